/* flows-test-util.c: small helpers the flows' widget tests share (waiting, finding, clicking) */
#include "flows-test-util.h"

void
flows_test_flush (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
}

gboolean
flows_test_wait_until (gboolean  (*done) (gpointer data),
                       gpointer    data,
                       guint       timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_once (timeout_s * 1000, on_timeout, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return done (data);
}

GtkWidget *
flows_test_child (gpointer    widget,
                  GType       type,
                  const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static GtkWidget *
find_by_label (GtkWidget  *root,
               const char *label,
               gboolean    showing_only)
{
  g_autofree char *mismatch = NULL;

  if (showing_only && (!gtk_widget_get_visible (root) || !gtk_widget_get_child_visible (root)))
    return NULL;

  /* Controls only: a label's text names the label, not a control. */
  if (!GTK_IS_LABEL (root) &&
      gtk_test_accessible_has_property (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      mismatch = gtk_test_accessible_check_property (GTK_ACCESSIBLE (root),
                                                     GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      if (mismatch == NULL)
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (showing_only && GTK_IS_STACK (root) && gtk_stack_get_visible_child (GTK_STACK (root)) != child)
        continue;
      found = find_by_label (child, label, showing_only);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
flows_test_find_by_label (GtkWidget  *root,
                          const char *label)
{
  return find_by_label (root, label, TRUE);
}

GtkWidget *
flows_test_find_anywhere (GtkWidget  *root,
                          const char *label)
{
  return find_by_label (root, label, FALSE);
}

gboolean
flows_test_is_showing (GtkWidget *widget)
{
  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      GtkWidget *parent = gtk_widget_get_parent (w);

      if (!gtk_widget_get_visible (w) || !gtk_widget_get_child_visible (w))
        return FALSE;
      if (GTK_IS_STACK (parent) && gtk_stack_get_visible_child (GTK_STACK (parent)) != w)
        return FALSE;
    }
  return TRUE;
}

void
flows_test_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (flows_test_is_showing (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  flows_test_flush ();
}

void
flows_test_type (GtkWidget  *editable,
                 const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
  flows_test_flush ();
}

/* The flow's page stack: the one that slides. */
static GtkWidget *
find_stack (GtkWidget *root)
{
  if (GTK_IS_STACK (root) && gtk_stack_get_transition_type (GTK_STACK (root)) != GTK_STACK_TRANSITION_TYPE_NONE)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_stack (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
transitions_done (gpointer data)
{
  GtkWidget *stack = find_stack (data);

  return stack == NULL || !gtk_stack_get_transition_running (GTK_STACK (stack));
}

void
flows_test_settle (GtkWidget *window)
{
  flows_test_wait_until (transitions_done, window, 5);
  gtk_test_widget_wait_for_draw (window);
  flows_test_flush ();
}

void
flows_test_screenshot (GtkWidget  *window,
                       const char *name)
{
  const char *dir = g_getenv ("CMT_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL || *dir == '\0')
    return;
  flows_test_settle (window);

  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    g_warning ("Could not save %s", path);
}
