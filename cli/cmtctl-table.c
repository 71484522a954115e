/* cmtctl-table.c: text tables whose columns line up, also with wide (CJK) characters */
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmtctl-table.h"
#include "cmtctl-util.h"

#define COLUMN_GAP 2

struct _CmtctlTable
{
  guint      n_columns;
  GPtrArray *rows;   /* of char ** (n_columns strings); row 0 is the headings */
  gboolean  *hidden; /* columns left out to fit (empty in every row) */
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
  table->hidden = g_new0 (gboolean, table->n_columns);
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

/* @text cut to @width columns, "…" included, when it is wider. */
static char *
cut_to_width (const char *text,
              gsize       width)
{
  GString *out;
  gsize used = 0;

  if (cmtctl_text_width (text) <= width)
    return g_strdup (text);
  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0' && width > 0; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize w = g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

      if (used + w > width - 1)
        break;
      g_string_append_unichar (out, c);
      used += w;
    }
  if (width > 0)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

static gsize *
column_widths (CmtctlTable *table)
{
  gsize *widths = g_new0 (gsize, table->n_columns);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      for (guint c = 0; c < table->n_columns; c++)
        if (!table->hidden[c])
          widths[c] = MAX (widths[c], cmtctl_text_width (row[c]));
    }
  return widths;
}

#define MIN_CUT_WIDTH 10

static gsize
table_width (CmtctlTable *table,
             const gsize *widths)
{
  gsize total = 0;
  gboolean first = TRUE;

  for (guint c = 0; c < table->n_columns; c++)
    {
      if (table->hidden[c])
        continue;
      total += widths[c] + (first ? 0 : COLUMN_GAP);
      first = FALSE;
    }
  return total;
}

void
cmtctl_table_fit (CmtctlTable *table,
                  gsize        columns,
                  int          keep)
{
  g_autofree gsize *widths = NULL;
  gsize total;

  if (columns == 0 || table->n_columns == 0)
    return;
  /* Columns empty in every row (no labels, no errors) make room first. */
  for (guint c = 1; c < table->n_columns; c++)
    {
      gboolean empty = TRUE;

      for (guint r = 1; r < table->rows->len && empty; r++)
        empty = *((char **) g_ptr_array_index (table->rows, r))[c] == '\0';
      table->hidden[c] = empty && table->rows->len > 1;
    }
  widths = column_widths (table);
  total = table_width (table, widths);

  /* Then the widest column is cut, again and again, never below its
   * heading or a few characters, and never @keep (the ids people type). */
  while (total > columns)
    {
      int widest = -1;
      gsize floor_width = 0;

      for (guint c = 0; c < table->n_columns; c++)
        {
          gsize heading = cmtctl_text_width (((char **) g_ptr_array_index (table->rows, 0))[c]);
          gsize lowest = MAX (heading, MIN_CUT_WIDTH);

          if ((int) c == keep || table->hidden[c] || widths[c] <= lowest)
            continue;
          if (widest < 0 || widths[c] > widths[widest])
            {
              widest = c;
              floor_width = lowest;
            }
        }
      if (widest < 0)
        break;   /* as narrow as it gets */
      {
        gsize target = MAX (floor_width, widths[widest] - MIN (total - columns, widths[widest]));

        /* A column shrinks at most to the next widest, so that all share the cut. */
        for (guint c = 0; c < table->n_columns; c++)
          if ((int) c != widest && !table->hidden[c] && widths[c] < widths[widest] && widths[c] > target &&
              (int) c != keep)
            target = MAX (target, widths[c]);
        if (target >= widths[widest])
          target = widths[widest] - 1;
        for (guint r = 1; r < table->rows->len; r++)
          {
            char **row = g_ptr_array_index (table->rows, r);
            char *cut = cut_to_width (row[widest], target);

            g_free (row[widest]);
            row[widest] = cut;
          }
      }
      g_free (widths);
      widths = column_widths (table);
      total = table_width (table, widths);
    }
}

gsize
cmtctl_terminal_columns (void)
{
  const char *env = g_getenv ("COLUMNS");
  struct winsize ws;

  if (env != NULL && *env != '\0')
    {
      guint64 n = 0;

      if (g_ascii_string_to_unsigned (env, 10, 20, 100000, &n, NULL))
        return n;
      return 0;
    }
  if (isatty (STDOUT_FILENO) && ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col;
  return 0;
}

void
cmtctl_table_print (CmtctlTable *table,
                    FILE        *out)
{
  g_autofree gsize *widths = column_widths (table);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < table->n_columns; c++)
        {
          if (table->hidden[c])
            continue;
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
  g_free (table->hidden);
  g_free (table);
}
