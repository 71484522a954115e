/* test-renew-dialog.c: widget tests of the renewal flow's pages, on made-up objects under Xvfb */
#include <glib/gi18n.h>

#include "cmt-error.h"
#include "cmt-renew-dialog-private.h"
#include "flows-fixture.h"
#include "flows-test-util.h"

typedef struct {
  GDBusObjectManagerServer *manager;
  CmtRenewDialog           *dialog;
} Fixture;

static void
open_dialog (Fixture    *fixture,
             const char *path)
{
  fixture->dialog = CMT_RENEW_DIALOG (cmt_renew_dialog_new_for_manager (NULL,
                                                                       G_DBUS_OBJECT_MANAGER (fixture->manager),
                                                                       path));
  gtk_window_present (GTK_WINDOW (fixture->dialog));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->dialog));
  flows_test_flush ();
}

static void
setup (Fixture       *fixture,
       gconstpointer  product)
{
  fixture->manager = flows_fixture_new (product);
  open_dialog (fixture, FIXTURE_CONNECTION_PATH);
}

static void
setup_manager_only (Fixture       *fixture,
                    gconstpointer  product)
{
  fixture->manager = flows_fixture_new (product);
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
  return flows_test_child (fixture->dialog, CMT_TYPE_RENEW_DIALOG, name);
}

static CmtConnection *
connection (Fixture *fixture)
{
  return flows_fixture_get_connection (fixture->manager);
}

/* The article's order: How it works, Choose your destination cloud site,
 * Choose your cloud destination, consent; and back again. */
static void
test_pages_in_order (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWidget *root = GTK_WIDGET (fixture->dialog);

  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "how");
  g_assert_false (flows_test_is_showing (child (fixture, "back_button")));

  /* Found by the accessible names the AT-SPI tests use. */
  flows_test_click (flows_test_find_by_label (root, "Connect to cloud"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "site");
  g_assert_true (flows_test_is_showing (child (fixture, "back_button")));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (child (fixture, "site_row"))), ==, 0);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (ADW_COMBO_ROW (child (fixture, "site_row")))), 0),
                   ==, "acme.atlassian.net");

  flows_test_click (flows_test_find_by_label (root, "Choose cloud site"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "account");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (fixture, "account_row"))),
                   ==, "Ada Admin");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (child (fixture, "account_row"))),
                            "admin@example.com"));

  flows_test_click (flows_test_find_by_label (root, "Continue"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "consent");
  g_assert_cmpstr (cmt_renew_dialog_get_account_path (fixture->dialog), ==, FIXTURE_ACCOUNT_PATH);

  g_assert_true (gtk_widget_activate_action (root, "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "account");
  g_assert_true (gtk_widget_activate_action (root, "flow.back", NULL));
  g_assert_true (gtk_widget_activate_action (root, "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "how");
  g_assert_false (flows_test_is_showing (child (fixture, "back_button")));
}

static void
test_confirm_needs_consent (Fixture       *fixture,
                            gconstpointer  data)
{
  GtkWidget *confirm;
  GtkWidget *check;

  cmt_renew_dialog_show_page (fixture->dialog, "consent");
  flows_test_flush ();
  confirm = flows_test_find_by_label (GTK_WIDGET (fixture->dialog), "Confirm");
  check = flows_test_find_by_label (GTK_WIDGET (fixture->dialog), "Allow Atlassian to access migrations data");
  g_assert_true (confirm == child (fixture, "confirm_button"));
  g_assert_true (GTK_IS_CHECK_BUTTON (check));
  g_assert_true (flows_test_is_showing (confirm));

  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_false (gtk_widget_is_sensitive (confirm));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  flows_test_flush ();
  g_assert_true (gtk_widget_is_sensitive (confirm));

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), FALSE);
  flows_test_flush ();
  g_assert_false (gtk_widget_is_sensitive (confirm));

  /* Activating the row toggles the box, as a click on its text would. */
  g_assert_true (gtk_widget_activate (gtk_widget_get_ancestor (check, ADW_TYPE_ACTION_ROW)));
  flows_test_flush ();
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_true (gtk_widget_is_sensitive (confirm));
}

typedef struct {
  const char *name;        /* the D-Bus error's short name, or NULL for a non-cmatoken error */
  const char *product;
  const char *expect;      /* a phrase the explanation must hold */
  const char *buttons;     /* the result page's buttons that show, by template name */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "CloudAuthFailed", "jira", "API token", "error_replace_button error_other_account_button" },
  { "ServerAuthFailed", "jira", "personal access token", "error_retry_button error_manual_button" },
  { "TokenRejected", "jira", "acme.atlassian.net", "error_retry_button error_manual_button" },
  { "NotSupported", "jira", "1.12.5", "error_manual_button" },
  { "NotSupported", "confluence", "3.10.8", "error_manual_button" },
  { "Network", "jira", "jira.example.com", "error_retry_button" },
  { "KeyringLocked", "jira", "Unlock", "error_retry_button" },
  { "KeyringUnavailable", "jira", "Secret Service", "error_retry_button" },
  { "ConsentRequired", "jira", "Allow Atlassian to access migrations data", "error_consent_button" },
  { "Busy", "jira", "try again", "error_retry_button" },
  { "NotFound", "jira", "no longer stored", "" },
  { "Failed", "jira", "message below", "error_retry_button error_manual_button" },
  { NULL, "jira", "service", "error_retry_button" },
};

static const char *all_error_buttons[] = {
  "error_retry_button", "error_manual_button", "error_replace_button",
  "error_other_account_button", "error_consent_button",
};

static void
test_error_pages (void)
{
  g_autoptr(GHashTable) titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      Fixture fixture = { 0 };
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) buttons = g_strsplit (c->buttons, " ", -1);
      const char *title;
      const char *previous;
      GtkWidget *message;

      g_test_message ("error %s (%s)", c->name != NULL ? c->name : "(D-Bus)", c->product);
      setup (&fixture, c->product);
      cmt_renew_dialog_show_page (fixture.dialog, "consent");

      if (c->name != NULL)
        error = g_error_new (CMT_ERROR, cmt_error_code_from_name (c->name),
                             "The service's own words about %s.", c->name);
      else
        error = g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY, "No reply within the time.");
      cmt_renew_dialog_show_error (fixture.dialog, error);
      flows_test_flush ();

      g_assert_cmpstr (cmt_renew_dialog_get_page (fixture.dialog), ==, "error");
      title = cmt_renew_dialog_get_error_title (fixture.dialog);
      g_assert_nonnull (title);
      g_assert_cmpuint (strlen (title), >, 0);
      g_assert_nonnull (strstr (cmt_renew_dialog_get_error_text (fixture.dialog), c->expect));

      /* Each error name has its own explanation (but both products share
       * the NotSupported title). */
      previous = g_hash_table_lookup (titles, title);
      g_assert_true (previous == NULL || g_strcmp0 (previous, c->name) == 0);
      g_hash_table_insert (titles, g_strdup (title), g_strdup (c->name));

      /* The service's message is always there too. */
      message = child (&fixture, "error_message_label");
      g_assert_true (flows_test_is_showing (message));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (message)), ==, error->message);

      for (guint b = 0; b < G_N_ELEMENTS (all_error_buttons); b++)
        {
          gboolean expected = g_strv_contains ((const char * const *) buttons, all_error_buttons[b]);
          g_assert_cmpint (flows_test_is_showing (child (&fixture, all_error_buttons[b])), ==, expected);
        }
      teardown (&fixture, NULL);
    }
}

static void
test_cancelled_goes_back (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_CANCELLED, "Cancelled.");

  cmt_renew_dialog_show_page (fixture->dialog, "consent");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (fixture, "consent_check")), TRUE);
  cmt_renew_dialog_show_error (fixture->dialog, error);
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "consent");
  /* The consent given stays given. */
  g_assert_true (gtk_widget_is_sensitive (child (fixture, "confirm_button")));
}

static void
test_error_actions (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = g_error_new_literal (CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED, "401");

  cmt_renew_dialog_show_page (fixture->dialog, "site");
  cmt_renew_dialog_show_page (fixture->dialog, "account");
  cmt_renew_dialog_show_page (fixture->dialog, "consent");
  cmt_renew_dialog_show_error (fixture->dialog, error);
  flows_test_flush ();

  /* "Replace API token": the stored account's token, its email not editable. */
  flows_test_click (child (fixture, "error_replace_button"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "replace-token");
  g_assert_false (gtk_widget_is_sensitive (child (fixture, "replace_button")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->dialog), "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "consent");

  /* "Use another account" leads to the account choice. */
  cmt_renew_dialog_show_error (fixture->dialog, error);
  flows_test_flush ();
  flows_test_click (child (fixture, "error_other_account_button"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "change-account");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->dialog), "flow.back", NULL));
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "account");
}

static guint
count_rows (GtkWidget *list)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    n++;
  return n;
}

static void
test_manual_steps (void)
{
  Fixture jira = { 0 };
  Fixture confluence = { 0 };
  g_auto(GStrv) jira_steps = NULL;
  g_auto(GStrv) confluence_steps = NULL;
  GtkWidget *open_row;

  setup (&jira, "jira");
  setup (&confluence, "confluence");

  /* Always offered from the first page. */
  flows_test_click (flows_test_find_by_label (GTK_WIDGET (jira.dialog), "Renew in the browser"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (jira.dialog), ==, "manual");
  cmt_renew_dialog_show_page (confluence.dialog, "manual");
  flows_test_flush ();

  jira_steps = cmt_renew_dialog_dup_manual_steps (jira.dialog);
  confluence_steps = cmt_renew_dialog_dup_manual_steps (confluence.dialog);

  /* The article: 10 steps for JCMA, 11 for CCMA. */
  g_assert_cmpuint (g_strv_length (jira_steps), ==, 10);
  g_assert_cmpuint (g_strv_length (confluence_steps), ==, 11);
  g_assert_cmpuint (count_rows (flows_test_child (jira.dialog, CMT_TYPE_RENEW_DIALOG, "manual_steps_list")), ==, 10);

  g_assert_nonnull (strstr (jira_steps[0], "Settings &gt; System"));
  g_assert_nonnull (strstr (jira_steps[1], "Import and Export"));
  g_assert_nonnull (strstr (jira_steps[1], "Migrate to cloud"));
  g_assert_nonnull (strstr (confluence_steps[0], "Confluence Administration &gt; General Configuration"));
  g_assert_nonnull (strstr (confluence_steps[1], "Atlassian Cloud"));
  g_assert_cmpstr (jira_steps[0], !=, confluence_steps[0]);
  /* From "How it works" on, the two are the same steps. */
  g_assert_nonnull (strstr (jira_steps[3], "Connect to cloud"));
  g_assert_cmpstr (jira_steps[3], ==, confluence_steps[4]);
  g_assert_nonnull (strstr (jira_steps[7], "acme.atlassian.net"));
  g_assert_nonnull (strstr (jira_steps[8], "Allow Atlassian to access migrations data"));
  g_assert_nonnull (strstr (jira_steps[9], "Confirm"));
  g_assert_cmpstr (jira_steps[9], ==, confluence_steps[10]);

  /* Numbered, and named with their number for a screen reader. */
  g_assert_nonnull (flows_test_find_by_label (GTK_WIDGET (jira.dialog),
                                              "Step 10: Click Confirm."));
  g_assert_nonnull (flows_test_find_by_label (GTK_WIDGET (confluence.dialog),
                                              "Step 11: Click Confirm."));

  /* The server page each starts from. */
  open_row = flows_test_child (jira.dialog, CMT_TYPE_RENEW_DIALOG, "manual_open_row");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (open_row)), ==,
                   "https://jira.example.com/secure/admin/ViewApplicationProperties.jspa");
  open_row = flows_test_child (confluence.dialog, CMT_TYPE_RENEW_DIALOG, "manual_open_row");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (open_row)), ==,
                   "https://example.com/confluence/admin/migration.action");

  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (flows_test_child (jira.dialog, CMT_TYPE_RENEW_DIALOG, "manual_tip_label"))),
                            "private browser tab"));
  g_assert_true (flows_test_is_showing (flows_test_find_by_label (GTK_WIDGET (jira.dialog), "I've renewed it")));

  teardown (&jira, NULL);
  teardown (&confluence, NULL);
}

static void
test_progress_follows_renew_step (Fixture       *fixture,
                                  gconstpointer  data)
{
  cmt_renew_dialog_show_page (fixture->dialog, "progress");
  flows_test_flush ();
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 1), ==, CMT_RENEW_STEP_ACTIVE);
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 2), ==, CMT_RENEW_STEP_PENDING);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (fixture, "step1_row"))),
                   ==, "Creating an auth token at Atlassian…");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (fixture, "step2_row"))),
                   ==, "Saving it on jira.example.com…");
  /* While renewing, only the renewal's own Cancel shows. */
  g_assert_false (flows_test_is_showing (child (fixture, "close_button")));
  g_assert_false (flows_test_is_showing (child (fixture, "back_button")));
  g_assert_true (flows_test_is_showing (child (fixture, "cancel_renew_button")));

  g_object_set (connection (fixture), "renewing", TRUE, "renew-step", "create-token", NULL);
  flows_test_flush ();
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 1), ==, CMT_RENEW_STEP_ACTIVE);
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 2), ==, CMT_RENEW_STEP_PENDING);

  g_object_set (connection (fixture), "renew-step", "save-token", NULL);
  flows_test_flush ();
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 1), ==, CMT_RENEW_STEP_DONE);
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 2), ==, CMT_RENEW_STEP_ACTIVE);
  /* The finished step no longer says "-ing". */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child (fixture, "step1_row"))),
                   ==, "Created an auth token at Atlassian");

  /* RenewStep empties as the renewal ends: the page does not go backwards. */
  g_object_set (connection (fixture), "renewing", FALSE, "renew-step", "", NULL);
  flows_test_flush ();
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 1), ==, CMT_RENEW_STEP_DONE);
}

static void
test_change_account (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkWidget *root = GTK_WIDGET (fixture->dialog);
  GtkWidget *other;
  GtkWidget *use;

  cmt_renew_dialog_show_page (fixture->dialog, "site");
  cmt_renew_dialog_show_page (fixture->dialog, "account");
  flows_test_click (flows_test_find_by_label (root, "Change account"));
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "change-account");

  /* The site's two accounts and "add another"; not the other site's. */
  g_assert_cmpuint (count_rows (child (fixture, "accounts_list")), ==, 3);
  g_assert_null (flows_test_find_by_label (root, "Someone Elsewhere"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (flows_test_find_by_label (root, "Ada Admin"))));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_account_revealer"))));

  /* A new account needs an email and an API token first. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (flows_test_find_by_label (root, "Add another account")), TRUE);
  flows_test_flush ();
  use = flows_test_find_by_label (root, "Use this account");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (fixture, "new_account_revealer"))));
  g_assert_false (gtk_widget_is_sensitive (use));

  other = flows_test_find_by_label (root, "Oskar Ops");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (other), TRUE);
  flows_test_flush ();
  g_assert_true (gtk_widget_is_sensitive (use));
  flows_test_click (use);

  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "consent");
  g_assert_cmpstr (cmt_renew_dialog_get_account_path (fixture->dialog), ==, FIXTURE_ACCOUNT2_PATH);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (fixture, "consent_body_label"))),
                            "ops@example.com"));
}

static gboolean
page_is_success (gpointer data)
{
  return g_strcmp0 (cmt_renew_dialog_get_page (data), "success") == 0;
}

static void
test_follows_renewal_in_flight (Fixture       *fixture,
                                gconstpointer  data)
{
  gint64 expires_at = g_get_real_time () / G_USEC_PER_SEC + 21 * 86400;

  g_object_set (connection (fixture), "renewing", TRUE, "renew-step", "save-token", NULL);
  open_dialog (fixture, FIXTURE_CONNECTION_PATH);
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "progress");
  g_assert_cmpint (cmt_renew_dialog_get_step_state (fixture->dialog, 2), ==, CMT_RENEW_STEP_ACTIVE);

  g_object_set (connection (fixture), "expires-at", expires_at, "last-error", "",
                "renew-step", "", "renewing", FALSE, NULL);
  flows_test_flush ();
  g_assert_true (page_is_success (fixture->dialog));

  /* The success icon has the success colour, not the page's text colour. */
  {
    GtkWidget *status = child (fixture, "success_status");
    GtkWidget *icon = NULL;
    GdkRGBA icon_color, text_color;

    for (GtkWidget *w = gtk_widget_get_first_child (status); w != NULL && icon == NULL; )
      {
        if (GTK_IS_IMAGE (w) && gtk_widget_has_css_class (w, "icon"))
          icon = w;
        else if (gtk_widget_get_first_child (w) != NULL)
          w = gtk_widget_get_first_child (w);
        else
          {
            while (w != status && gtk_widget_get_next_sibling (w) == NULL)
              w = gtk_widget_get_parent (w);
            w = w != status ? gtk_widget_get_next_sibling (w) : NULL;
          }
      }
    g_assert_nonnull (icon);
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    gtk_style_context_get_color (gtk_widget_get_style_context (icon), &icon_color);
    gtk_style_context_get_color (gtk_widget_get_style_context (status), &text_color);
    G_GNUC_END_IGNORE_DEPRECATIONS
    g_assert_false (gdk_rgba_equal (&icon_color, &text_color));
    /* Green rather than anything else: more green than red. */
    g_assert_cmpfloat (icon_color.green, >, icon_color.red);
  }
}

static void
test_follows_failed_renewal (Fixture       *fixture,
                             gconstpointer  data)
{
  g_object_set (connection (fixture), "renewing", TRUE, "renew-step", "create-token", NULL);
  open_dialog (fixture, FIXTURE_CONNECTION_PATH);
  g_object_set (connection (fixture), "last-error", "Atlassian refused the API token.",
                "renew-step", "", "renewing", FALSE, NULL);
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "error");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (fixture, "error_message_label"))),
                   ==, "Atlassian refused the API token.");
}

static void
test_missing_connection (Fixture       *fixture,
                         gconstpointer  data)
{
  open_dialog (fixture, "/io/github/cmatoken/Connections/nope");
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "error");
  g_assert_false (flows_test_is_showing (child (fixture, "error_retry_button")));
}

static void
test_connection_removed (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GDBusObject) object =
    g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (fixture->manager), FIXTURE_CONNECTION_PATH);

  cmt_renew_dialog_show_page (fixture->dialog, "site");
  g_assert_true (g_dbus_object_manager_server_unexport (fixture->manager, FIXTURE_CONNECTION_PATH));
  /* The server side does not signal it; the client the app uses does. */
  g_signal_emit_by_name (fixture->manager, "object-removed", object);
  flows_test_flush ();
  g_assert_cmpstr (cmt_renew_dialog_get_page (fixture->dialog), ==, "error");
}

/* Every control a test or a screen reader needs has a name. */
static void
test_accessible_names (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char *names[] = {
    "Back", "Cancel", "Connect to cloud", "Renew in the browser", "Choose cloud site",
    "Continue", "Change account", "Use this account", "Allow Atlassian to access migrations data",
    "Confirm", "Replace token", "Try again", "Replace API token", "Use another account",
    "Done", "I've renewed it", "Copy the address", "Create an API token…",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_test_message ("%s", names[i]);
      g_assert_nonnull (flows_test_find_anywhere (GTK_WIDGET (fixture->dialog), names[i]));
    }
}

static void
test_escape_closes (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GtkWidget) dialog = g_object_ref (GTK_WIDGET (fixture->dialog));

  /* Escape is bound to window.close (GTK 4 cannot synthesise the key). */
  g_assert_true (gtk_widget_activate_action (dialog, "window.close", NULL));
  flows_test_flush ();
  g_assert_false (gtk_widget_get_visible (dialog));
  fixture->dialog = NULL;
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func, product) \
  g_test_add ("/renew-dialog/" path, Fixture, product, setup, func, teardown)
  ADD ("pages-in-order", test_pages_in_order, "jira");
  ADD ("confirm-needs-consent", test_confirm_needs_consent, "jira");
  ADD ("cancelled-goes-back", test_cancelled_goes_back, "jira");
  ADD ("error-actions", test_error_actions, "jira");
  ADD ("progress-follows-renew-step", test_progress_follows_renew_step, "jira");
  ADD ("change-account", test_change_account, "confluence");
  ADD ("connection-removed", test_connection_removed, "jira");
  ADD ("accessible-names", test_accessible_names, "jira");
  ADD ("escape-closes", test_escape_closes, "jira");
#undef ADD
  g_test_add ("/renew-dialog/follows-renewal-in-flight", Fixture, "jira",
              setup_manager_only, test_follows_renewal_in_flight, teardown);
  g_test_add ("/renew-dialog/follows-failed-renewal", Fixture, "jira",
              setup_manager_only, test_follows_failed_renewal, teardown);
  g_test_add ("/renew-dialog/missing-connection", Fixture, "jira",
              setup_manager_only, test_missing_connection, teardown);
  g_test_add_func ("/renew-dialog/error-pages", test_error_pages);
  g_test_add_func ("/renew-dialog/manual-steps", test_manual_steps);

  return g_test_run ();
}
