/* cmtctl-table.h: text tables whose columns line up, also with wide (CJK) characters */
#pragma once

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _CmtctlTable CmtctlTable;

/* Columns on a terminal: 2 for wide (East Asian) characters, 0 for combining ones. */
gsize         cmtctl_text_width  (const char   *text);

/* A table with these column headings (NULL-terminated). */
CmtctlTable  *cmtctl_table_new   (const char   *first_heading,
                                  ...) G_GNUC_NULL_TERMINATED;
/* A row: exactly one cell a column (NULL prints as empty). Cells are sanitised. */
void          cmtctl_table_add   (CmtctlTable  *table,
                                  ...);
void          cmtctl_table_print (CmtctlTable  *table,
                                  FILE         *out);
void          cmtctl_table_free  (CmtctlTable  *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CmtctlTable, cmtctl_table_free)

G_END_DECLS
