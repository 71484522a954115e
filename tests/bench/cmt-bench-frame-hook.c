/* cmt-bench-frame-hook.c: LD_PRELOAD module that reports when a GTK app paints its first frames */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Loaded into the app under test (cmatoken) and into the floor
 * (cmt-bench-floor) alike, so that neither needs code of its own for the
 * benchmark. It wraps gtk_window_present(): the first window presented gets
 * an after-paint handler on its frame clock, which appends to the file named
 * by $CMT_BENCH_FRAME_LOG:
 *
 *   first-frame US     the first frame painted
 *   content-frame US   the first frame that shows the content: no spinning
 *                      GtkSpinner is mapped and, with $CMT_BENCH_EXPECT_ROWS=1,
 *                      a mapped GtkListView has rows
 *
 * US is g_get_monotonic_time(), i.e. CLOCK_MONOTONIC in microseconds, the
 * clock the benchmark reads when it starts the program.
 */

typedef void (*PresentFunc) (GtkWindow *window);
typedef void (*PresentWithTimeFunc) (GtkWindow *window, guint32 timestamp);

static gboolean hooked;
static gboolean first_done;
static gboolean content_done;

static void
report (const char *what)
{
  const char *path = g_getenv ("CMT_BENCH_FRAME_LOG");
  char line[96];
  int fd, len;

  len = g_snprintf (line, sizeof line, "%s %" G_GINT64_FORMAT "\n", what, g_get_monotonic_time ());
  if (path == NULL)
    {
      fputs (line, stderr);
      return;
    }
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write (fd, line, len) != len)
    g_printerr ("cmt-bench-frame-hook: cannot write %s\n", path);
  close (fd);
}

/* Looks through the mapped widgets only: what the frame just painted. */
static void
scan (GtkWidget *widget,
      gboolean  *spinning,
      gboolean  *rows)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_SPINNER (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget)))
    *spinning = TRUE;
  if (GTK_IS_LIST_VIEW (widget) && gtk_widget_get_first_child (widget) != NULL)
    *rows = TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    scan (child, spinning, rows);
}

static void
after_paint (GdkFrameClock *clock,
             GtkWidget     *window)
{
  gboolean spinning = FALSE, rows = FALSE;

  if (!first_done)
    {
      first_done = TRUE;
      report ("first-frame");
    }
  if (content_done)
    return;
  scan (window, &spinning, &rows);
  if (spinning || (g_strcmp0 (g_getenv ("CMT_BENCH_EXPECT_ROWS"), "1") == 0 && !rows))
    return;
  content_done = TRUE;
  report ("content-frame");
  g_signal_handlers_disconnect_by_func (clock, after_paint, window);
}

static void
hook (GtkWindow *window)
{
  GdkFrameClock *clock;

  if (hooked)
    return;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  if (clock == NULL)
    return;
  hooked = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (after_paint), window, 0);
}

void
gtk_window_present (GtkWindow *window)
{
  static PresentFunc real;

  if (real == NULL)
    real = (PresentFunc) dlsym (RTLD_NEXT, "gtk_window_present");
  real (window);
  hook (window);
}

void
gtk_window_present_with_time (GtkWindow *window,
                              guint32    timestamp)
{
  static PresentWithTimeFunc real;

  if (real == NULL)
    real = (PresentWithTimeFunc) dlsym (RTLD_NEXT, "gtk_window_present_with_time");
  real (window, timestamp);
  hook (window);
}
