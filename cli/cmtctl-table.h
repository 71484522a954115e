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
/* Fits the table into @columns terminal columns when it is wider (0: no
 * limit): columns empty in every row are left out, then the widest column
 * is cut with "…", again and again, never below its heading or a few
 * characters, and never column @keep. */
void          cmtctl_table_fit   (CmtctlTable  *table,
                                  gsize         columns,
                                  int           keep);
void          cmtctl_table_print (CmtctlTable  *table,
                                  FILE         *out);
/* The width to fit tables into: $COLUMNS when set, else the terminal's when
 * standard output is one, else 0 (no limit: pipes and files get everything). */
gsize         cmtctl_terminal_columns (void);
void          cmtctl_table_free  (CmtctlTable  *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CmtctlTable, cmtctl_table_free)

G_END_DECLS
