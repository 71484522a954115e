/* flows-e2e-driver.c: walks the real flows against the real cmatokend, as an admin would, for test_flows_e2e.py */
/*
 * Usage: flows-e2e-driver COMMAND [OPTIONS]; secrets come on stdin as
 * NAME=VALUE lines (pat, api-token), never in argv. What the flow ended on
 * is printed as KEY=VALUE lines on stdout; a flow that does not go as an
 * admin would expect fails an assertion. Commands:
 *   add       --product P --server-url U --site-url S --email E
 *   add-bad-token  (the same; the API token is refused, then the dialog is cancelled)
 *   renew     --connection PATH [--change-account NAME]
 *   renew-replace  --connection PATH (Atlassian refuses the stored API token:
 *                  replace it with the one on stdin, then renew)
 *   manual    --connection PATH
 *   cancel    --connection PATH
 */
#include <glib/gi18n.h>
#include <locale.h>

#include "cmt-account-form.h"
#include "cmt-add-connection-dialog-private.h"
#include "cmt-renew-dialog-private.h"
#include "flows-test-util.h"

#define WAIT_S 90

static char *opt_product = NULL;
static char *opt_server_url = NULL;
static char *opt_site_url = NULL;
static char *opt_email = NULL;
static char *opt_connection = NULL;
static char *opt_change_account = NULL;
static char *opt_shots = NULL;

static GOptionEntry entries[] = {
  { "product", 0, 0, G_OPTION_ARG_STRING, &opt_product, NULL, NULL },
  { "server-url", 0, 0, G_OPTION_ARG_STRING, &opt_server_url, NULL, NULL },
  { "site-url", 0, 0, G_OPTION_ARG_STRING, &opt_site_url, NULL, NULL },
  { "email", 0, 0, G_OPTION_ARG_STRING, &opt_email, NULL, NULL },
  { "connection", 0, 0, G_OPTION_ARG_STRING, &opt_connection, NULL, NULL },
  { "change-account", 0, 0, G_OPTION_ARG_STRING, &opt_change_account, NULL, NULL },
  { "screenshots", 0, 0, G_OPTION_ARG_STRING, &opt_shots, "prefix of the screenshots' names", NULL },
  { NULL }
};

static GHashTable *secrets;

static void
read_secrets (void)
{
  g_autoptr(GIOChannel) in = g_io_channel_unix_new (0);
  char *line = NULL;

  secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while (g_io_channel_read_line (in, &line, NULL, NULL, NULL) == G_IO_STATUS_NORMAL)
    {
      char *eq = strchr (g_strchomp (line), '=');
      if (eq != NULL)
        {
          *eq = '\0';
          g_hash_table_insert (secrets, g_strdup (line), g_strdup (eq + 1));
        }
      g_free (line);
    }
}

static const char *
secret (const char *name)
{
  const char *value = g_hash_table_lookup (secrets, name);

  g_assert_nonnull (value);
  return value;
}

static void
shot (gpointer    window,
      const char *page)
{
  g_autofree char *name = NULL;

  if (opt_shots == NULL)
    return;
  name = g_strdup_printf ("%s-%s", opt_shots, page);
  flows_test_screenshot (GTK_WIDGET (window), name);
}

/* Waiting for a page. */

typedef struct {
  gpointer    dialog;
  const char *page;
  gboolean    renew;
  /* The renewal's steps seen active on the way (progress page). */
  gboolean    saw_step[3];
} PageWait;

static const char *
current_page (PageWait *wait)
{
  return wait->renew ? cmt_renew_dialog_get_page (wait->dialog)
                     : cmt_add_connection_dialog_get_page (wait->dialog);
}

static gboolean
page_reached (gpointer data)
{
  PageWait *wait = data;
  g_auto(GStrv) pages = g_strsplit (wait->page, "|", -1);

  if (wait->renew && g_strcmp0 (cmt_renew_dialog_get_page (wait->dialog), "progress") == 0)
    for (guint step = 1; step <= 2; step++)
      if (cmt_renew_dialog_get_step_state (wait->dialog, step) == CMT_RENEW_STEP_ACTIVE)
        wait->saw_step[step] = TRUE;
  return g_strv_contains ((const char * const *) pages, current_page (wait));
}

static void
wait_page (PageWait   *wait,
           const char *page)
{
  wait->page = page;
  if (!flows_test_wait_until (page_reached, wait, WAIT_S))
    g_error ("Waited for page %s; still on %s", page, current_page (wait));
}

/* The control a user would pick by @label, in the user's language. */
static GtkWidget *
control (gpointer    dialog,
         const char *label)
{
  GtkWidget *widget;

  label = g_dgettext (GETTEXT_PACKAGE, label);
  widget = flows_test_find_by_label (GTK_WIDGET (dialog), label);

  if (widget == NULL)
    g_error ("No control named “%s” shows", label);
  g_debug ("“%s” is a %s", label, G_OBJECT_TYPE_NAME (widget));
  return widget;
}

static GtkWidget *
add_child (gpointer    dialog,
           const char *name)
{
  return flows_test_child (dialog, CMT_TYPE_ADD_CONNECTION_DIALOG, name);
}

/* Adding a connection. */

static void
fill_add_dialog (GtkWindow *dialog,
                 PageWait  *wait)
{
  GtkWidget *form;

  g_assert_nonnull (opt_product);
  g_assert_nonnull (opt_server_url);
  g_assert_nonnull (opt_site_url);
  g_assert_nonnull (opt_email);

  shot (dialog, "add-product");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (control (dialog, g_str_equal (opt_product, "jira") ? "Jira" : "Confluence")), TRUE);
  flows_test_click (control (dialog, "Next"));
  wait_page (wait, "server");

  /* Offered only when a server of the product is stored already. */
  if (flows_test_find_by_label (GTK_WIDGET (dialog), _("Add a new server")) != NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (control (dialog, "Add a new server")), TRUE);
  flows_test_type (add_child (dialog, "url_row"), opt_server_url);
  flows_test_type (add_child (dialog, "secret_row"), secret ("pat"));
  shot (dialog, "add-server");
  flows_test_click (control (dialog, "Next"));
  wait_page (wait, "cloud");
  /* The secret left the widgets once stored. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (add_child (dialog, "secret_row"))), ==, "");

  flows_test_type (add_child (dialog, "site_row"), opt_site_url);
  if (flows_test_find_by_label (GTK_WIDGET (dialog), _("Add a new account")) != NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (control (dialog, "Add a new account")), TRUE);
  form = add_child (dialog, "account_form");
  flows_test_type (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "email_row"), opt_email);
  flows_test_type (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "token_row"), secret ("api-token"));
  shot (dialog, "add-cloud");
  flows_test_click (control (dialog, "Next"));
}

static int
run_add (GDBusObjectManager *manager)
{
  GtkWindow *dialog = cmt_add_connection_dialog_new (NULL, CMT_OBJECT_MANAGER_CLIENT (manager));
  PageWait wait = { dialog, NULL, FALSE, { 0 } };

  gtk_window_present (dialog);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));
  fill_add_dialog (dialog, &wait);
  wait_page (&wait, "renewed");
  shot (dialog, "add-renewed");
  flows_test_click (control (dialog, "Add connection"));
  wait_page (&wait, "done");
  shot (dialog, "add-done");

  g_print ("server=%s\n", cmt_add_connection_dialog_get_server_path (CMT_ADD_CONNECTION_DIALOG (dialog)));
  g_print ("account=%s\n", cmt_add_connection_dialog_get_account_path (CMT_ADD_CONNECTION_DIALOG (dialog)));
  g_print ("connection=%s\n", cmt_add_connection_dialog_get_connection_path (CMT_ADD_CONNECTION_DIALOG (dialog)));
  flows_test_click (control (dialog, "Done"));
  return 0;
}

static gboolean
form_shows_error (gpointer data)
{
  GtkWidget *label = flows_test_child (data, CMT_TYPE_ACCOUNT_FORM, "error_label");

  return gtk_widget_get_visible (label);
}

static gboolean
not_busy (gpointer data)
{
  return !gtk_widget_get_visible (add_child (data, "spinner"));
}

typedef struct {
  GDBusObjectManager *manager;
  const char         *path;
} Removal;

static gboolean
object_gone (gpointer data)
{
  Removal *removal = data;
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (removal->manager, removal->path);

  return object == NULL;
}

static int
run_add_bad_token (GDBusObjectManager *manager)
{
  GtkWindow *dialog = cmt_add_connection_dialog_new (NULL, CMT_OBJECT_MANAGER_CLIENT (manager));
  PageWait wait = { dialog, NULL, FALSE, { 0 } };
  g_autofree char *server_path = NULL;
  Removal removal = { 0 };
  GtkWidget *form;
  GtkWidget *token_row;

  gtk_window_present (dialog);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));
  fill_add_dialog (dialog, &wait);

  form = add_child (dialog, "account_form");
  g_assert_true (flows_test_wait_until (not_busy, dialog, WAIT_S));
  g_assert_true (flows_test_wait_until (form_shows_error, form, WAIT_S));
  g_assert_cmpstr (cmt_add_connection_dialog_get_page (CMT_ADD_CONNECTION_DIALOG (dialog)), ==, "cloud");
  token_row = flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "token_row");
  /* Next to the field it is about. */
  g_assert_true (gtk_widget_has_css_class (token_row, "error"));
  shot (dialog, "add-bad-token");
  g_print ("error=%s\n", gtk_label_get_text (GTK_LABEL (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "error_label"))));

  /* Cancelling forgets the server this dialog stored on the way. */
  server_path = g_strdup (cmt_add_connection_dialog_get_server_path (CMT_ADD_CONNECTION_DIALOG (dialog)));
  g_assert_nonnull (server_path);
  flows_test_click (control (dialog, "Cancel"));
  removal.manager = manager;
  removal.path = server_path;
  g_assert_true (flows_test_wait_until (object_gone, &removal, WAIT_S));
  g_print ("removed=%s\n", server_path);
  return 0;
}

/* Renewing. */

static GtkWindow *
open_renew (GDBusObjectManager *manager,
            PageWait           *wait)
{
  GtkWindow *dialog;

  g_assert_nonnull (opt_connection);
  dialog = cmt_renew_dialog_new (NULL, CMT_OBJECT_MANAGER_CLIENT (manager), opt_connection);
  wait->dialog = dialog;
  wait->renew = TRUE;
  gtk_window_present (dialog);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));
  return dialog;
}

static void
walk_to_consent (GtkWindow *dialog,
                 PageWait  *wait)
{
  wait_page (wait, "how");
  shot (dialog, "how");
  flows_test_click (control (dialog, "Connect to cloud"));
  wait_page (wait, "site");
  shot (dialog, "site");
  flows_test_click (control (dialog, "Choose cloud site"));
  wait_page (wait, "account");
  shot (dialog, "account");
  if (opt_change_account != NULL)
    {
      flows_test_click (control (dialog, "Change account"));
      wait_page (wait, "change-account");
      gtk_check_button_set_active (GTK_CHECK_BUTTON (control (dialog, opt_change_account)), TRUE);
      flows_test_flush ();
      shot (dialog, "change-account");
      flows_test_click (control (dialog, "Use this account"));
    }
  else
    flows_test_click (control (dialog, "Continue"));
  wait_page (wait, "consent");

  /* Confirm waits for the admin's consent. */
  g_assert_false (gtk_widget_is_sensitive (control (dialog, "Confirm")));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (control (dialog, "Allow Atlassian to access migrations data")), TRUE);
  flows_test_flush ();
  shot (dialog, "consent");
}

static int
run_renew (GDBusObjectManager *manager)
{
  PageWait wait = { 0 };
  GtkWindow *dialog = open_renew (manager, &wait);

  walk_to_consent (dialog, &wait);
  flows_test_click (control (dialog, "Confirm"));
  wait_page (&wait, "success|error");
  shot (dialog, current_page (&wait));

  g_print ("page=%s\n", current_page (&wait));
  g_print ("window-title=%s\n", gtk_window_get_title (dialog));
  g_print ("saw-create-token=%d\n", wait.saw_step[1]);
  g_print ("saw-save-token=%d\n", wait.saw_step[2]);
  if (g_str_equal (current_page (&wait), "error"))
    {
      g_print ("title=%s\n", cmt_renew_dialog_get_error_title (CMT_RENEW_DIALOG (dialog)));
      g_print ("message=%s\n", gtk_label_get_text (GTK_LABEL (flows_test_child (dialog, CMT_TYPE_RENEW_DIALOG, "error_message_label"))));
    }
  gtk_window_destroy (dialog);
  return 0;
}

static int
run_renew_replace (GDBusObjectManager *manager)
{
  PageWait wait = { 0 };
  GtkWindow *dialog = open_renew (manager, &wait);
  GtkWidget *form;

  walk_to_consent (dialog, &wait);
  flows_test_click (control (dialog, "Confirm"));
  wait_page (&wait, "success|error");
  g_assert_cmpstr (current_page (&wait), ==, "error");
  shot (dialog, "error-cloud-auth");
  g_print ("first-title=%s\n", cmt_renew_dialog_get_error_title (CMT_RENEW_DIALOG (dialog)));

  flows_test_click (control (dialog, "Replace API token"));
  wait_page (&wait, "replace-token");
  form = flows_test_child (dialog, CMT_TYPE_RENEW_DIALOG, "replace_form");
  flows_test_type (flows_test_child (form, CMT_TYPE_ACCOUNT_FORM, "token_row"), secret ("api-token"));
  shot (dialog, "replace-token");
  flows_test_click (control (dialog, "Replace token"));
  wait_page (&wait, "consent");
  /* The consent given stays given: Confirm renews again at once. */
  flows_test_click (control (dialog, "Confirm"));
  wait_page (&wait, "success|error");
  g_print ("page=%s\n", current_page (&wait));
  gtk_window_destroy (dialog);
  return 0;
}

static gboolean
step_active (gpointer data)
{
  return g_strcmp0 (cmt_renew_dialog_get_page (data), "progress") == 0 &&
         (cmt_renew_dialog_get_step_state (data, 1) == CMT_RENEW_STEP_ACTIVE ||
          cmt_renew_dialog_get_step_state (data, 2) == CMT_RENEW_STEP_ACTIVE);
}

static int
run_cancel (GDBusObjectManager *manager)
{
  PageWait wait = { 0 };
  GtkWindow *dialog = open_renew (manager, &wait);

  walk_to_consent (dialog, &wait);
  flows_test_click (control (dialog, "Confirm"));
  g_assert_true (flows_test_wait_until (step_active, dialog, WAIT_S));
  shot (dialog, "progress");
  flows_test_click (control (dialog, "Cancel"));
  wait_page (&wait, "consent|success|error");
  g_print ("page=%s\n", current_page (&wait));
  gtk_window_destroy (dialog);
  return 0;
}

static int
run_manual (GDBusObjectManager *manager)
{
  PageWait wait = { 0 };
  GtkWindow *dialog = open_renew (manager, &wait);
  g_auto(GStrv) steps = NULL;

  wait_page (&wait, "how");
  flows_test_click (control (dialog, "Renew in the browser"));
  wait_page (&wait, "manual");
  shot (dialog, "manual");
  steps = cmt_renew_dialog_dup_manual_steps (CMT_RENEW_DIALOG (dialog));
  g_print ("steps=%u\n", g_strv_length (steps));
  flows_test_click (control (dialog, "I've renewed it"));
  wait_page (&wait, "success|error");
  shot (dialog, "manual-done");
  g_print ("page=%s\n", current_page (&wait));
  gtk_window_destroy (dialog);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  const char *command;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The build tree's catalogues: the controls are found by their names in
   * the user's language (LANGUAGE=ja finds 次へ for Next). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CMT_LOCALEDIR") != NULL ? g_getenv ("CMT_LOCALEDIR")
                                                                      : LOCALEDIR_BUILD);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "no command");
      return 2;
    }
  command = argv[1];
  read_secrets ();

  /* A test driver may block here: the dialogs themselves never do. */
  manager = cmt_object_manager_client_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                        G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                        "io.github.cmatoken.Daemon", "/io/github/cmatoken",
                                                        NULL, &error);
  g_assert_no_error (error);

  if (g_str_equal (command, "add"))
    status = run_add (manager);
  else if (g_str_equal (command, "add-bad-token"))
    status = run_add_bad_token (manager);
  else if (g_str_equal (command, "renew"))
    status = run_renew (manager);
  else if (g_str_equal (command, "renew-replace"))
    status = run_renew_replace (manager);
  else if (g_str_equal (command, "cancel"))
    status = run_cancel (manager);
  else if (g_str_equal (command, "manual"))
    status = run_manual (manager);
  else
    {
      g_printerr ("unknown command %s\n", command);
      return 2;
    }
  flows_test_flush ();
  g_hash_table_unref (secrets);
  return status;
}
