/* cmt-tooltip.h: tooltips that cost nothing until they are shown */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Like gtk_widget_set_tooltip_text(), without its cost: GTK 4.8 asks the
 * display where the pointer is each time a visible widget's tooltip is set
 * (an X server round trip), which a list's two hundred rows pay on every
 * bind. This keeps @text and hands it over in ::query-tooltip. NULL or ""
 * removes the tooltip.
 */
void cmt_tooltip_set (GtkWidget  *widget,
                      const char *text);

G_END_DECLS
