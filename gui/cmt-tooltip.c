/* cmt-tooltip.c: tooltips that cost nothing until they are shown */
#include "cmt-tooltip.h"

#define TEXT_KEY "cmt-tooltip-text"

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  const char *text = g_object_get_data (G_OBJECT (widget), TEXT_KEY);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
cmt_tooltip_set (GtkWidget  *widget,
                 const char *text)
{
  const char *old;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (text != NULL && *text == '\0')
    text = NULL;
  old = g_object_get_data (G_OBJECT (widget), TEXT_KEY);
  if (g_strcmp0 (old, text) == 0)
    return;

  if (g_signal_handler_find (widget, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, on_query_tooltip, NULL) == 0)
    g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  g_object_set_data_full (G_OBJECT (widget), TEXT_KEY, g_strdup (text), g_free);
  /* Unlike gtk_widget_set_tooltip_text(), no display round trip. */
  gtk_widget_set_has_tooltip (widget, text != NULL);
}
