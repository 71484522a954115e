/* test-clipping.c: every page of both flows, in the language of $LANGUAGE, shows its labels whole */
#include <glib/gi18n.h>
#include <locale.h>

#include "cmt-error.h"
#include "cmt-flows.h"
#include "cmt-add-connection-dialog-private.h"
#include "cmt-renew-dialog-private.h"
#include "flows-clipping.h"
#include "flows-fixture.h"
#include "flows-test-util.h"

static const char *
language (void)
{
  const char *lang = g_getenv ("LANGUAGE");
  return lang != NULL && *lang != '\0' ? lang : "en";
}

/* Checks @window as it is now; saves a screenshot named after @where. */
static void
check_screen (GtkWidget  *window,
              const char *where,
              GString    *report)
{
  g_autofree char *name = g_strdup_printf ("clipping-%s-%s", language (), where);

  flows_test_settle (window);
  flows_test_screenshot (window, name);
  flows_clipping_check (window, where, report);
}

static void
assert_no_clipping (GString *report)
{
  if (report->len > 0)
    g_error ("Text that does not fit (LANGUAGE=%s):\n%s", language (), report->str);
}

static void
test_renew_pages (gconstpointer data)
{
  const char *product = data;
  static const char *pages[] = { "how", "site", "account", "change-account", "replace-token",
                                 "consent", "progress", "success", "manual" };
  g_autoptr(GString) report = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(GDBusObjectManagerServer) manager = flows_fixture_new (product);
      GtkWindow *window = cmt_renew_dialog_new_for_manager (NULL, G_DBUS_OBJECT_MANAGER (manager),
                                                            FIXTURE_CONNECTION_PATH);
      g_autofree char *where = g_strdup_printf ("renew-%s-%s", product, pages[i]);

      gtk_window_present (window);
      flows_test_settle (GTK_WIDGET (window));
      cmt_renew_dialog_show_page (CMT_RENEW_DIALOG (window), pages[i]);
      check_screen (GTK_WIDGET (window), where, report);
      gtk_window_destroy (window);
      flows_test_flush ();
    }
  assert_no_clipping (report);
}

/* The result page of every error the service names. */
static void
test_renew_errors (void)
{
  g_autoptr(GString) report = g_string_new (NULL);

  for (int code = 0; code < CMT_ERROR_N_CODES; code++)
    {
      g_autoptr(GDBusObjectManagerServer) manager = flows_fixture_new ("jira");
      GtkWindow *window = cmt_renew_dialog_new_for_manager (NULL, G_DBUS_OBJECT_MANAGER (manager),
                                                            FIXTURE_CONNECTION_PATH);
      g_autofree char *where = g_strdup_printf ("renew-error-%s", cmt_error_code_to_name (code));
      g_autoptr(GError) error = g_error_new (CMT_ERROR, code, "%s",
                                             "The server answered 401 Unauthorized: the token was not accepted.");

      gtk_window_present (window);
      flows_test_settle (GTK_WIDGET (window));
      cmt_renew_dialog_show_error (CMT_RENEW_DIALOG (window), error);
      check_screen (GTK_WIDGET (window), where, report);
      gtk_window_destroy (window);
      flows_test_flush ();
    }
  assert_no_clipping (report);
}

static GtkWidget *
find_popover (GtkWidget *widget)
{
  if (GTK_IS_POPOVER (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_popover (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_add_pages (gconstpointer data)
{
  const char *product = data;
  static const char *pages[] = { "product", "server", "cloud", "renewed", "done" };
  g_autoptr(GString) report = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(GDBusObjectManagerServer) manager = flows_fixture_new (product);
      GtkWindow *window = cmt_add_connection_dialog_new_for_manager (NULL, G_DBUS_OBJECT_MANAGER (manager));
      g_autofree char *where = g_strdup_printf ("add-%s-%s", product, pages[i]);

      gtk_window_present (window);
      flows_test_settle (GTK_WIDGET (window));
      cmt_add_connection_dialog_show_page (CMT_ADD_CONNECTION_DIALOG (window), pages[i]);
      check_screen (GTK_WIDGET (window), where, report);

      if (g_str_equal (pages[i], "server"))
        {
          /* "Sign in with" on its second choice shows the username too. */
          AdwComboRow *auth = ADW_COMBO_ROW (flows_test_child (window, CMT_TYPE_ADD_CONNECTION_DIALOG, "auth_row"));
          g_autofree char *where2 = g_strdup_printf ("add-%s-server-basic", product);

          g_autofree char *where3 = g_strdup_printf ("add-%s-server-sign-in-with", product);
          GtkWidget *popover;

          adw_combo_row_set_selected (auth, 1);
          check_screen (GTK_WIDGET (window), where2, report);

          /* Its choices, open. */
          adw_action_row_activate (ADW_ACTION_ROW (auth));
          popover = find_popover (GTK_WIDGET (auth));
          g_assert_nonnull (popover);
          flows_test_settle (GTK_WIDGET (window));
          g_assert_true (gtk_widget_get_mapped (popover));
          flows_clipping_check (popover, where3, report);
          gtk_popover_popdown (GTK_POPOVER (popover));
          flows_test_flush ();
        }
      if (g_str_equal (pages[i], "cloud") && g_str_equal (product, "jira"))
        {
          /* The server is connected to acme already: the page says so. */
          GtkWidget *site = flows_test_child (window, CMT_TYPE_ADD_CONNECTION_DIALOG, "site_row");
          g_autofree char *where2 = g_strdup_printf ("add-%s-cloud-taken", product);

          cmt_add_connection_dialog_show_page (CMT_ADD_CONNECTION_DIALOG (window), "server");
          flows_test_settle (GTK_WIDGET (window));
          gtk_check_button_set_active (GTK_CHECK_BUTTON (flows_test_find_by_label (GTK_WIDGET (window),
                                                                                  "jira.example.com")),
                                       TRUE);
          flows_test_flush ();
          flows_test_click (flows_test_child (window, CMT_TYPE_ADD_CONNECTION_DIALOG, "next_button"));
          flows_test_type (site, "https://acme.atlassian.net");
          g_assert_true (flows_test_is_showing (flows_test_child (window, CMT_TYPE_ADD_CONNECTION_DIALOG,
                                                                  "site_error_label")));
          check_screen (GTK_WIDGET (window), where2, report);
        }
      gtk_window_destroy (window);
      flows_test_flush ();
    }
  assert_no_clipping (report);
}

/* The date picker's header: month then year in English, year then month in Japanese. */
static void
test_calendar_order (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *calendar = cmt_flows_calendar_new ();
  GtkWidget *header = gtk_widget_get_first_child (calendar);
  GtkWidget *month = NULL, *year = NULL;
  graphene_rect_t m, y;
  g_autoptr(GString) report = g_string_new (NULL);

  gtk_window_set_child (GTK_WINDOW (window), calendar);
  gtk_window_present (GTK_WINDOW (window));
  flows_test_settle (window);
  for (GtkWidget *child = gtk_widget_get_first_child (header); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_STACK (child))
        month = child;
      else if (GTK_IS_LABEL (child))
        year = child;
    }
  g_assert_nonnull (month);
  g_assert_nonnull (year);
  g_assert_true (gtk_widget_compute_bounds (month, window, &m));
  g_assert_true (gtk_widget_compute_bounds (year, window, &y));
  if (g_str_has_prefix (language (), "ja"))
    g_assert_cmpfloat (y.origin.x, <, m.origin.x);
  else
    g_assert_cmpfloat (m.origin.x, <, y.origin.x);
  flows_clipping_check (window, "calendar", report);
  assert_no_clipping (report);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR_BUILD);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_data_func ("/clipping/renew/jira", "jira", test_renew_pages);
  g_test_add_data_func ("/clipping/renew/confluence", "confluence", test_renew_pages);
  g_test_add_func ("/clipping/renew/errors", test_renew_errors);
  g_test_add_data_func ("/clipping/add/jira", "jira", test_add_pages);
  g_test_add_data_func ("/clipping/add/confluence", "confluence", test_add_pages);
  g_test_add_func ("/clipping/calendar-order", test_calendar_order);

  return g_test_run ();
}
