/* flows-clipping.c: finds the labels on screen that cannot show their whole text */
#include <adwaita.h>

#include "flows-clipping.h"

/* Rounding in the layout: a pixel either way is not a clip. */
#define SLACK 1

static void
describe_place (GtkWidget *widget,
                GString   *out)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    {
      const char *name = G_OBJECT_TYPE_NAME (w);
      if (g_str_has_prefix (name, "Cmt") || g_str_has_prefix (name, "Adw"))
        g_ptr_array_add (names, (gpointer) name);
      if (names->len == 3)
        break;
    }
  for (guint i = names->len; i > 0; i--)
    g_string_append_printf (out, "%s%s", (const char *) g_ptr_array_index (names, i - 1), i > 1 ? " > " : "");
}

/*
 * The ancestor whose edge cuts @widget, or NULL: of the ancestors that clip
 * (overflow hidden, and the window), across every one up to the window, down
 * those below the nearest scrollable (beyond it, scrolling shows the rest).
 * *by: how many pixels are cut.
 */
/* Whether @widget scrolls: a scrollable in a scrolled window, directly or
 * through other scrollables (AdwClampScrollable). */
static gboolean
is_scrolled (GtkWidget *widget)
{
  for (GtkWidget *w = widget; GTK_IS_SCROLLABLE (w); w = gtk_widget_get_parent (w))
    if (GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (w)))
      return TRUE;
  return FALSE;
}

static GtkWidget *
find_cutting_ancestor (GtkWidget *widget,
                       int       *by)
{
  gboolean vertical = TRUE;

  for (GtkWidget *a = gtk_widget_get_parent (widget); a != NULL; a = gtk_widget_get_parent (a))
    {
      graphene_rect_t b;
      double right, bottom;

      /* Down, what scrolls shows the rest of its content. */
      if (is_scrolled (a))
        vertical = FALSE;

      /* Only what clips cuts (a badge may stick out of its icon on purpose):
       * overflow hidden, the window, and what scrolls or holds a scrollable
       * (a list view outside a scrolled window shows its top and cuts the rest). */
      if (gtk_widget_get_overflow (a) != GTK_OVERFLOW_HIDDEN && !GTK_IS_NATIVE (a) &&
          !GTK_IS_SCROLLABLE (a) && !GTK_IS_SCROLLED_WINDOW (a))
        continue;
      if (!gtk_widget_compute_bounds (widget, a, &b))
        continue;
      right = b.origin.x + b.size.width - gtk_widget_get_width (a);
      bottom = b.origin.y + b.size.height - gtk_widget_get_height (a);
      if (b.origin.x < -SLACK || right > SLACK)
        {
          *by = (int) MAX (-b.origin.x, right);
          return a;
        }
      if (vertical && (b.origin.y < -SLACK || bottom > SLACK))
        {
          *by = (int) MAX (-b.origin.y, bottom);
          return a;
        }
      /* A popover is a surface of its own: what holds it does not clip it. */
      if (GTK_IS_NATIVE (a))
        break;
    }
  return NULL;
}

static void
check_label (GtkLabel   *label,
             const char *where,
             GString    *report)
{
  GtkWidget *widget = GTK_WIDGET (label);
  const char *text = gtk_label_get_text (label);
  PangoLayout *layout;
  PangoRectangle ink, logical;
  int width, height, cut = 0;
  gboolean ellipsized;
  GtkWidget *cut_by;

  if (text == NULL || *text == '\0')
    return;
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  layout = gtk_label_get_layout (label);
  /* A header bar's title ellipsizes by design (GNOME's HIG); what it says is
   * said whole on the page below it. */
  ellipsized = pango_layout_is_ellipsized (layout) &&
               gtk_widget_get_ancestor (widget, ADW_TYPE_WINDOW_TITLE) == NULL;
  pango_layout_get_pixel_extents (layout, &ink, &logical);

  if (g_getenv ("CMT_CLIPPING_DEBUG") != NULL)
    {
      int min = 0, nat = 0;
      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      g_printerr ("%s: “%s” %d×%d in %d×%d%s min %d nat %d wrap %d mode %d lines %d\n", where, text, logical.width, logical.height,
                  width, height, ellipsized ? " ellipsized" : "", min, nat, gtk_label_get_wrap (label),
                  gtk_label_get_wrap_mode (label), gtk_label_get_lines (label));
    }
  cut_by = find_cutting_ancestor (widget, &cut);
  if (!ellipsized && logical.width <= width + SLACK && logical.height <= height + SLACK && cut_by == NULL)
    return;

  g_string_append_printf (report, "%s: “%s” ", where, text);
  if (ellipsized)
    g_string_append (report, "is ellipsized");
  else if (cut_by != NULL)
    g_string_append_printf (report, "is cut by %d px at the edge of its %s", cut, G_OBJECT_TYPE_NAME (cut_by));
  else
    g_string_append_printf (report, "needs %d×%d px, has %d×%d", logical.width, logical.height,
                            width, height);
  g_string_append (report, " (in ");
  describe_place (widget, report);
  g_string_append (report, ")\n");
}

/* A control cut by an edge cannot be seen whole, or not at all. */
static void
check_control (GtkWidget  *widget,
               const char *where,
               GString    *report)
{
  int cut = 0;
  GtkWidget *cut_by = find_cutting_ancestor (widget, &cut);

  if (cut_by == NULL)
    return;
  g_string_append_printf (report, "%s: a %s is cut by %d px at the edge of its %s (in ", where,
                          G_OBJECT_TYPE_NAME (widget), cut, G_OBJECT_TYPE_NAME (cut_by));
  describe_place (widget, report);
  g_string_append (report, ")\n");
}

void
flows_clipping_check (GtkWidget  *root,
                      const char *where,
                      GString    *report)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_LABEL (root))
    check_label (GTK_LABEL (root), where, report);
  else if (GTK_IS_BUTTON (root) || GTK_IS_MENU_BUTTON (root) || GTK_IS_SWITCH (root))
    check_control (root, where, report);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    flows_clipping_check (child, where, report);
}
