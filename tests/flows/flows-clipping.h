/* flows-clipping.h: finds the labels on screen that cannot show their whole text */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Appends a line to @report for every label under @root that is on screen
 * (mapped, with a non-empty text) and whose allocation does not hold its
 * text: ellipsized, laid out wider or taller than it is allocated, or cut by
 * the edge of an ancestor that clips; and for every button or switch cut by
 * such an edge. A label
 * inside a scrolled window counts by its own allocation (scrolling is not
 * clipping). @where names the screen in the report.
 */
void flows_clipping_check (GtkWidget  *root,
                           const char *where,
                           GString    *report);

G_END_DECLS
