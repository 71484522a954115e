/* cmt-flows.c: what the flows' widgets share (resources, product words, D-Bus helpers) */
#include <glib/gi18n.h>

#include "cmt-error.h"
#include "cmt-flows.h"
#include "cmt-flows-resources.h"
#include "cmt-url.h"

void
cmt_flows_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      cmt_flows_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

void
cmt_flows_ensure_style (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "cmt-flows-style") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/cmatoken/flows/flows.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "cmt-flows-style",
                          g_steal_pointer (&provider), g_object_unref);
}

gboolean
cmt_flows_product_is_jira (const char *product)
{
  return g_strcmp0 (product, "jira") == 0;
}




char *
cmt_flows_server_page_url (const char *product,
                           const char *base_url)
{
  /* Jira's assistant has no documented URL; its System page is the
   * article's step 1. Confluence's assistant home is step 3. */
  return cmt_url_join (base_url, cmt_flows_product_is_jira (product)
                                   ? "/secure/admin/ViewApplicationProperties.jspa"
                                   : "/admin/migration.action");
}

static void
on_open_failed_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          data)
{
  const char *uri = g_object_get_data (G_OBJECT (dialog), "cmt-uri");

  if (g_strcmp0 (response, "copy") == 0 && uri != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), uri);
}

static void
open_uri_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autofree char *uri = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
    return;

  g_warning ("Could not open %s in the browser: %s", uri, error->message);
  if (source == NULL || !gtk_widget_get_visible (GTK_WIDGET (source)))
    return;
  /* No browser (or no portal): the admin can still open the page by hand. */
  /* Translators: "%1$s" is a web address. */
  body = g_strdup_printf (_("Open this address in a browser yourself:\n%1$s"), uri);
  dialog = adw_message_dialog_new (GTK_WINDOW (source), _("Could Not Open the Browser"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "copy", _("_Copy Address"),
                                    "close", _("_Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "copy",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "copy");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_object_set_data_full (G_OBJECT (dialog), "cmt-uri", g_steal_pointer (&uri), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_failed_response), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
cmt_flows_open_uri (GtkWidget  *widget,
                    const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri,
                     GDK_CURRENT_TIME, NULL, open_uri_done, g_strdup (uri));
}

void
cmt_flows_prepare_call (gpointer proxy)
{
  g_return_if_fail (G_IS_DBUS_PROXY (proxy));

  /* Add*, ReplaceToken and Renew talk to Atlassian and the server first. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CMT_FLOWS_NETWORK_CALL_TIMEOUT_MSEC);
}

gboolean
cmt_flows_finish (gboolean   ok,
                  GError   **error)
{
  if (!ok)
    cmt_error_from_dbus (error);
  return ok;
}

gint64
cmt_flows_date_end_of_day (GDateTime *date)
{
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) next = NULL;

  start = g_date_time_new_local (g_date_time_get_year (date),
                                 g_date_time_get_month (date),
                                 g_date_time_get_day_of_month (date), 0, 0, 0);
  next = g_date_time_add_days (start, 1);
  return g_date_time_to_unix (next) - 1;
}

gint64
cmt_flows_date_renewed_at (GDateTime *date,
                           gint64     now)
{
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now);
  g_autoptr(GDateTime) noon = NULL;

  if (g_date_time_get_year (date) == g_date_time_get_year (today) &&
      g_date_time_get_day_of_year (date) == g_date_time_get_day_of_year (today))
    return now;
  noon = g_date_time_new_local (g_date_time_get_year (date),
                                g_date_time_get_month (date),
                                g_date_time_get_day_of_month (date), 12, 0, 0);
  return g_date_time_to_unix (noon);
}

gboolean
cmt_flows_same_url (const char *a,
                    const char *b)
{
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  na = cmt_url_normalize (a, NULL);
  nb = cmt_url_normalize (b, NULL);
  return g_strcmp0 (na != NULL ? na : a, nb != NULL ? nb : b) == 0;
}

static void
whole_item_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_list_item_set_child (item, label);
}

static void
whole_item_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  GObject *string = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      GTK_IS_STRING_OBJECT (string) ? gtk_string_object_get_string (GTK_STRING_OBJECT (string)) : "");
}

static GtkLabel *
find_label_showing (GtkWidget  *widget,
                    const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label_showing (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

void
cmt_flows_group_set_description (AdwPreferencesGroup *group,
                                 const char          *description)
{
  GtkLabel *label;

  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));

  adw_preferences_group_set_description (group, description);
  if (description == NULL || *description == '\0')
    return;
  /* The group's own label; another libadwaita may lay it out otherwise. */
  label = find_label_showing (GTK_WIDGET (group), description);
  if (label != NULL)
    gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD_CHAR);
}

void
cmt_flows_combo_row_show_whole (AdwComboRow *row)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_return_if_fail (ADW_IS_COMBO_ROW (row));

  g_signal_connect (factory, "setup", G_CALLBACK (whole_item_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (whole_item_bind), NULL);
  adw_combo_row_set_list_factory (row, factory);
}

GtkWidget *
cmt_flows_calendar_new (void)
{
  GtkWidget *calendar = gtk_calendar_new ();
  /* Translators: "year-first" if your language reads the year before the
   * month in a calendar's header ("2026 年 12 月"), else "month-first".
   * Only these two words are understood. */
  const char *order = C_("calendar header", "month-first");
  GtkWidget *header = gtk_widget_get_first_child (calendar);
  GtkWidget *parts[6];
  guint n = 0;

  if (!g_str_equal (order, "year-first") || !GTK_IS_BOX (header))
    return calendar;
  /* GTK 4.8's header: ‹ month › ‹ year ›. Another layout is left alone. */
  for (GtkWidget *child = gtk_widget_get_first_child (header); child != NULL && n < G_N_ELEMENTS (parts);
       child = gtk_widget_get_next_sibling (child))
    parts[n++] = child;
  if (n != G_N_ELEMENTS (parts) || gtk_widget_get_next_sibling (parts[5]) != NULL ||
      !GTK_IS_STACK (parts[1]) || !GTK_IS_LABEL (parts[4]))
    return calendar;
  gtk_box_reorder_child_after (GTK_BOX (header), parts[3], NULL);
  gtk_box_reorder_child_after (GTK_BOX (header), parts[4], parts[3]);
  gtk_box_reorder_child_after (GTK_BOX (header), parts[5], parts[4]);
  return calendar;
}

void
cmt_flows_set_accessible_label (GtkWidget  *widget,
                                const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

void
cmt_flows_name_icon_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (child);

      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL && tooltip != NULL)
        cmt_flows_set_accessible_label (child, tooltip);
      cmt_flows_name_icon_buttons (child);
    }
}

static gboolean
on_enter_pressed (GtkEventControllerKey *controller,
                  guint                  keyval,
                  guint                  keycode,
                  GdkModifierType        state,
                  GtkWidget             *target)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if (gtk_widget_get_visible (target) && gtk_widget_is_sensitive (target))
    gtk_widget_activate (target);
  return TRUE;
}

void
cmt_flows_enter_activates (GtkWidget *widget,
                           GtkWidget *target)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (GTK_IS_WIDGET (target));

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  /* @target lives in the same window as @widget: no reference needed. */
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_enter_pressed), target);
  gtk_widget_add_controller (widget, keys);
}
