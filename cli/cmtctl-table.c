/* cmtctl-table.c: text tables whose columns line up, also with wide (CJK) characters */
#include <stdarg.h>
#include <string.h>

#include "cmtctl-table.h"
#include "cmtctl-util.h"

#define COLUMN_GAP 2

struct _CmtctlTable
{
  guint      n_columns;
  GPtrArray *rows;   /* of char ** (n_columns strings); row 0 is the headings */
};

gsize
cmtctl_text_width (const char *text)
{
  gsize width = 0;

  if (text == NULL)
    return 0;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

CmtctlTable *
cmtctl_table_new (const char *first_heading,
                  ...)
{
  CmtctlTable *table = g_new0 (CmtctlTable, 1);
  g_autoptr(GPtrArray) headings = g_ptr_array_new ();
  va_list args;

  va_start (args, first_heading);
  for (const char *h = first_heading; h != NULL; h = va_arg (args, const char *))
    g_ptr_array_add (headings, cmtctl_sanitize (h));
  va_end (args);
  g_ptr_array_add (headings, NULL);

  table->n_columns = headings->len - 1;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (table->rows, g_ptr_array_steal (headings, NULL));
  return table;
}

void
cmtctl_table_add (CmtctlTable *table,
                  ...)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  va_list args;

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    row[i] = cmtctl_sanitize (va_arg (args, const char *));
  va_end (args);
  g_ptr_array_add (table->rows, row);
}

void
cmtctl_table_print (CmtctlTable *table,
                    FILE        *out)
{
  g_autofree gsize *widths = g_new0 (gsize, table->n_columns);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], cmtctl_text_width (row[c]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < table->n_columns; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < table->n_columns)
            for (gsize pad = cmtctl_text_width (row[c]); pad < widths[c] + COLUMN_GAP; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      fprintf (out, "%s\n", line->str);
    }
}

void
cmtctl_table_free (CmtctlTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}
