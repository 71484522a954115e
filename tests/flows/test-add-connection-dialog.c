/* test-add-connection-dialog.c: widget tests of the add-connection pages, on made-up objects under Xvfb */
#include "cmt-add-connection-dialog-private.h"
#include "cmt-account-form.h"
#include "cmt-date-row.h"
#include "flows-fixture.h"
#include "flows-test-util.h"

typedef struct {
  GDBusObjectManagerServer *manager;
  CmtAddConnectionDialog   *dialog;
} Fixture;

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  fixture->manager = flows_fixture_new ("jira");
  fixture->dialog = CMT_ADD_CONNECTION_DIALOG (cmt_add_connection_dialog_new_for_manager (NULL,
                                                                                         G_DBUS_OBJECT_MANAGER (fixture->manager)));
  gtk_window_present (GTK_WINDOW (fixture->dialog));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->dialog));
  flows_test_flush ();
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  if (fixture->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->dialog));
  flows_test_flush ();
  g_clear_object (&fixture->manager);
}

static GtkWidget *
child (Fixture    *fixture,
       const char *name)
{
  return flows_test_child (fixture->dialog, CMT_TYPE_ADD_CONNECTION_DIALOG, name);
}

static GtkWidget *
by_label (Fixture    *fixture,
          const char *label)
{
  GtkWidget *widget = flows_test_find_by_label (GTK_WIDGET (fixture->dialog), label);

  g_assert_nonnull (widget);
  return widget;
}

static const char *
page (Fixture *fixture)
{
  return cmt_add_connection_dialog_get_page (fixture->dialog);
}

static void
check (GtkWidget *check_button)
{
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check_button), TRUE);
  flows_test_flush ();
}

static void
test_server_page (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWidget *next = by_label (fixture, "Next");

  g_assert_cmpstr (page (fixture), ==, "product");
  g_assert_true (gtk_widget_is_sensitive (next));
  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "server");

  /* The stored Jira server is offered; a new one is the default. */
  g_assert_true (flows_test_is_showing (child (fixture, "servers_group")));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (by_label (fixture, "Add a new server"))));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_server_revealer"))));
  g_assert_false (gtk_widget_is_sensitive (next));

  /* A PAT needs the URL and the token. */
  flows_test_type (child (fixture, "url_row"), "https://jira2.example.com");
  g_assert_false (gtk_widget_is_sensitive (next));
  flows_test_type (child (fixture, "secret_row"), "a-personal-access-token");
  g_assert_true (gtk_widget_is_sensitive (next));

  /* Username and password need the username too. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (child (fixture, "auth_row")), 1);
  flows_test_flush ();
  g_assert_true (flows_test_is_showing (child (fixture, "username_row")));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (fixture, "secret_row"))), ==, "Password");
  g_assert_false (gtk_widget_is_sensitive (next));
  flows_test_type (child (fixture, "username_row"), "admin");
  g_assert_true (gtk_widget_is_sensitive (next));

  /* Choosing the stored server hides the form. */
  check (by_label (fixture, "jira.example.com"));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_server_revealer"))));
  g_assert_true (gtk_widget_is_sensitive (next));
}

static void
test_other_product_has_no_stored_server (Fixture       *fixture,
                                         gconstpointer  data)
{
  check (by_label (fixture, "Confluence"));
  flows_test_click (by_label (fixture, "Next"));
  g_assert_cmpstr (page (fixture), ==, "server");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (fixture, "server_title_label"))), ==, "Confluence Server");
  g_assert_false (flows_test_is_showing (child (fixture, "servers_group")));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_server_revealer"))));
}

/* Stored accounts are offered for the site typed in, and only for it;
 * going back and forth keeps what was typed and chosen. */
static void
test_cloud_page_and_going_back (Fixture       *fixture,
                                gconstpointer  data)
{
  GtkWidget *next = by_label (fixture, "Next");

  /* The stored server has no connection to acme yet here. */
  g_dbus_object_manager_server_unexport (fixture->manager, FIXTURE_CONNECTION_PATH);
  flows_test_click (next);
  check (by_label (fixture, "jira.example.com"));
  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "cloud");
  g_assert_cmpstr (cmt_add_connection_dialog_get_server_path (fixture->dialog), ==, FIXTURE_SERVER_PATH);
  g_assert_false (gtk_widget_is_sensitive (next));
  g_assert_false (flows_test_is_showing (child (fixture, "accounts_group")));

  flows_test_type (child (fixture, "site_row"), "https://elsewhere.atlassian.net");
  g_assert_true (flows_test_is_showing (child (fixture, "accounts_group")));
  g_assert_nonnull (by_label (fixture, "Someone Elsewhere"));
  g_assert_null (flows_test_find_by_label (GTK_WIDGET (fixture->dialog), "Ada Admin"));

  flows_test_type (child (fixture, "site_row"), "https://acme.atlassian.net/");
  g_assert_nonnull (by_label (fixture, "Ada Admin"));
  g_assert_nonnull (by_label (fixture, "Oskar Ops"));
  g_assert_null (flows_test_find_by_label (GTK_WIDGET (fixture->dialog), "Someone Elsewhere"));
  g_assert_false (gtk_widget_is_sensitive (next));
  check (by_label (fixture, "Oskar Ops"));
  g_assert_true (gtk_widget_is_sensitive (next));

  /* Back to the server page, and on again: nothing lost. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->dialog), "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (page (fixture), ==, "server");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (by_label (fixture, "jira.example.com"))));
  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "cloud");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (fixture, "site_row"))), ==,
                   "https://acme.atlassian.net/");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (by_label (fixture, "Oskar Ops"))));

  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "renewed");
  g_assert_cmpstr (cmt_add_connection_dialog_get_account_path (fixture->dialog), ==, FIXTURE_ACCOUNT2_PATH);
}

/* The stored server is connected to acme already: the page where the site is
 * typed says so, and does not go on (the service would refuse it at the end). */
static void
test_site_already_connected (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkWidget *next = by_label (fixture, "Next");
  GtkWidget *error_label;

  flows_test_click (next);
  check (by_label (fixture, "jira.example.com"));
  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "cloud");
  error_label = child (fixture, "site_error_label");
  g_assert_false (flows_test_is_showing (error_label));

  flows_test_type (child (fixture, "site_row"), "https://ACME.atlassian.net/");
  g_assert_true (flows_test_is_showing (error_label));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), ==,
                   "The server https://jira.example.com is already connected to https://acme.atlassian.net. "
                   "Renew that connection instead of adding it again.");
  g_assert_true (gtk_widget_has_css_class (child (fixture, "site_row"), "error"));
  check (by_label (fixture, "Oskar Ops"));
  g_assert_false (gtk_widget_is_sensitive (next));

  /* Another site is fine. */
  flows_test_type (child (fixture, "site_row"), "https://elsewhere.atlassian.net");
  g_assert_false (flows_test_is_showing (error_label));
  g_assert_false (gtk_widget_has_css_class (child (fixture, "site_row"), "error"));
  check (by_label (fixture, "Someone Elsewhere"));
  g_assert_true (gtk_widget_is_sensitive (next));

  /* Back to acme; back to the server page and on again: still said, still stopped. */
  flows_test_type (child (fixture, "site_row"), "https://acme.atlassian.net");
  g_assert_true (flows_test_is_showing (error_label));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->dialog), "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (page (fixture), ==, "server");
  flows_test_click (next);
  g_assert_cmpstr (page (fixture), ==, "cloud");
  g_assert_true (flows_test_is_showing (error_label));
  g_assert_false (gtk_widget_is_sensitive (next));
}

static void
test_new_account_needs_email_and_token (Fixture       *fixture,
                                        gconstpointer  data)
{
  GtkWidget *next = by_label (fixture, "Next");
  GtkWidget *form;

  cmt_add_connection_dialog_show_page (fixture->dialog, "cloud");
  flows_test_type (child (fixture, "site_row"), "https://new.atlassian.net");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_account_revealer"))));
  form = child (fixture, "account_form");
  g_assert_false (gtk_widget_is_sensitive (next));
  flows_test_type (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "email_row"), "new@example.com");
  g_assert_false (gtk_widget_is_sensitive (next));
  flows_test_type (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "token_row"), "ATATT-new");
  g_assert_true (gtk_widget_is_sensitive (next));
}

static void
test_last_renewal (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *add;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  cmt_add_connection_dialog_show_page (fixture->dialog, "renewed");
  add = by_label (fixture, "Add connection");
  g_assert_true (flows_test_is_showing (add));
  g_assert_false (flows_test_is_showing (child (fixture, "next_button")));
  /* "I don't know" is a fine answer. */
  g_assert_true (gtk_widget_is_sensitive (add));

  check (by_label (fixture, "Renewed on a known date"));
  g_assert_false (gtk_widget_is_sensitive (add));
  cmt_date_row_set_date (CMT_DATE_ROW (child (fixture, "renewed_date_row")), now);
  flows_test_flush ();
  g_assert_true (gtk_widget_is_sensitive (add));

  /* Picking a date picks "known". */
  check (by_label (fixture, "I don’t know"));
  cmt_date_row_set_date (CMT_DATE_ROW (child (fixture, "renewed_date_row")), NULL);
  cmt_date_row_set_date (CMT_DATE_ROW (child (fixture, "renewed_date_row")), now);
  flows_test_flush ();
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (by_label (fixture, "Renewed on a known date"))));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/add-connection-dialog/server-page", Fixture, NULL, setup, test_server_page, teardown);
  g_test_add ("/add-connection-dialog/other-product-has-no-stored-server", Fixture, NULL, setup,
              test_other_product_has_no_stored_server, teardown);
  g_test_add ("/add-connection-dialog/cloud-page-and-going-back", Fixture, NULL, setup,
              test_cloud_page_and_going_back, teardown);
  g_test_add ("/add-connection-dialog/site-already-connected", Fixture, NULL, setup,
              test_site_already_connected, teardown);
  g_test_add ("/add-connection-dialog/new-account-needs-email-and-token", Fixture, NULL, setup,
              test_new_account_needs_email_and_token, teardown);
  g_test_add ("/add-connection-dialog/last-renewal", Fixture, NULL, setup, test_last_renewal, teardown);

  return g_test_run ();
}
