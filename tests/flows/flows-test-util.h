/* flows-test-util.h: small helpers the flows' widget tests share (waiting, finding, clicking) */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Runs the main loop until nothing is pending (no timers involved). */
void       flows_test_flush          (void);
/* Runs the main loop until @done returns TRUE or @timeout_s seconds pass
 * (a generous safety net against hangs, not a speed assertion). */
gboolean   flows_test_wait_until     (gboolean  (*done) (gpointer data),
                                      gpointer    data,
                                      guint       timeout_s);
/* The template child @name of @widget (a dialog of type @type). */
GtkWidget *flows_test_child          (gpointer    widget,
                                      GType       type,
                                      const char *name);
/* The first widget showing under @root whose accessible label is @label
 * (as an AT-SPI test finds it: hidden pages do not count). */
GtkWidget *flows_test_find_by_label  (GtkWidget  *root,
                                      const char *label);
/* The same, hidden pages included. */
GtkWidget *flows_test_find_anywhere  (GtkWidget  *root,
                                      const char *label);
/* Whether @widget and all its ancestors are visible (and it is on the
 * visible page of every GtkStack above it). */
gboolean   flows_test_is_showing     (GtkWidget  *widget);
/* Clicks a button the way a user does (it must be sensitive). */
void       flows_test_click          (GtkWidget  *button);
/* Types @text into an editable (an entry row), replacing what was there. */
void       flows_test_type           (GtkWidget  *editable,
                                      const char *text);

/* Waits until the page transitions of @window are over and it has drawn. */
void       flows_test_settle         (GtkWidget  *window);

/* Saves what @window shows as DIR/NAME.png when $CMT_SCREENSHOT_DIR is
 * set (after the page transition settles); does nothing otherwise. */
void       flows_test_screenshot     (GtkWidget  *window,
                                      const char *name);

G_END_DECLS
