/* test-gui-widgets.c: the app's widgets under Xvfb, against objects exported on the private bus */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "cmt-auto-renew-row.h"
#include "cmt-connection-row.h"
#include "cmt-connection-sorter.h"
#include "cmt-credential-dialog.h"
#include "cmt-credential-row.h"
#include "cmt-dbus.h"
#include "cmt-object-model.h"
#include "cmt-preferences-window.h"
#include "cmt-renew-dialog.h"
#include "cmt-resources.h"
#include "cmt-window.h"
#include "cmt-wording.h"
#include "flows-clipping.h"
#include "flows-test-util.h"

/*
 * The objects are generated skeletons exported on the session bus of
 * cmt-session, and the widgets read them through a CmtObjectManagerClient,
 * as the app reads cmatokend: the same proxies, PropertiesChanged and
 * method calls. The real service is exercised by the end-to-end tests.
 */

#define ROOT "/io/github/cmatoken"
#define DAY CMT_SECONDS_PER_DAY

typedef struct
{
  GDBusConnection          *bus;
  GDBusObjectManagerServer *server;
  GDBusObjectManager       *client;
  CmtManager               *manager;          /* skeleton */
  GPtrArray                *calls;            /* "Method args" strings, as the service got them */
} Fixture;

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
spin_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
spin_a_while (void)
{
  /* Longer than a search entry's search-changed delay (150 ms). */
  gint64 until = g_get_monotonic_time () + 300 * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Spins the main loop until @cond holds, failing after 10 seconds. */
#define WAIT_FOR(cond) \
  G_STMT_START { \
    gint64 wait_deadline_ = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > wait_deadline_) \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond); \
        g_main_context_iteration (NULL, FALSE); \
        g_usleep (1000); \
      } \
  } G_STMT_END

static void
client_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusObjectManager **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = cmt_object_manager_client_new_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
record_call (GDBusInterfaceSkeleton *skeleton,
             GDBusMethodInvocation  *invocation,
             gpointer                user_data)
{
  Fixture *fx = user_data;
  g_autofree char *args = g_variant_print (g_dbus_method_invocation_get_parameters (invocation), FALSE);

  g_ptr_array_add (fx->calls, g_strdup_printf ("%s %s", g_dbus_method_invocation_get_method_name (invocation), args));
  return TRUE;   /* authorized: the typed handle-* handler answers */
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtObjectSkeleton) object = NULL;

  fx->calls = g_ptr_array_new_with_free_func (g_free);
  fx->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  fx->server = g_dbus_object_manager_server_new (ROOT);
  object = cmt_object_skeleton_new (ROOT "/Manager");
  fx->manager = cmt_manager_skeleton_new ();
  cmt_manager_set_version (fx->manager, "test");
  cmt_manager_set_container_token_lifetime (fx->manager, 21 * DAY);
  cmt_manager_set_warn_before (fx->manager, 5 * DAY);
  cmt_manager_set_credential_warn_before (fx->manager, 14 * DAY);
  cmt_manager_set_keyring_state (fx->manager, "unlocked");
  cmt_object_skeleton_set_manager (object, fx->manager);
  g_dbus_object_manager_server_export (fx->server, G_DBUS_OBJECT_SKELETON (object));
  g_dbus_object_manager_server_set_connection (fx->server, fx->bus);

  cmt_object_manager_client_new (fx->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                 g_dbus_connection_get_unique_name (fx->bus), ROOT,
                                 NULL, client_ready, &fx->client);
  spin_until (pointer_set, &fx->client);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->client);
  g_dbus_object_manager_server_set_connection (fx->server, NULL);
  g_clear_object (&fx->server);
  g_clear_object (&fx->manager);
  g_clear_object (&fx->bus);
  g_clear_pointer (&fx->calls, g_ptr_array_unref);
}

typedef struct
{
  Fixture    *fx;
  const char *path;
} WaitObject;

static gboolean
client_has (gpointer data)
{
  WaitObject *w = data;
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (w->fx->client, w->path);
  return object != NULL;
}

static gboolean
client_lacks (gpointer data)
{
  return !client_has (data);
}

static void
wait_for_object (Fixture *fx, const char *path)
{
  WaitObject w = { fx, path };
  spin_until (client_has, &w);
}

static CmtServer *
add_server (Fixture *fx, const char *id, const char *product, const char *url)
{
  g_autofree char *path = g_strdup_printf (ROOT "/Servers/%s", id);
  g_autoptr(CmtObjectSkeleton) object = cmt_object_skeleton_new (path);
  CmtServer *server = cmt_server_skeleton_new ();

  cmt_server_set_product (server, product);
  cmt_server_set_base_url (server, url);
  cmt_server_set_auth_kind (server, "pat");
  cmt_server_set_username (server, "");
  cmt_server_set_status (server, "valid");
  cmt_object_skeleton_set_server (object, server);
  g_signal_connect (server, "g-authorize-method", G_CALLBACK (record_call), fx);
  g_dbus_object_manager_server_export (fx->server, G_DBUS_OBJECT_SKELETON (object));
  wait_for_object (fx, path);
  return server;
}

static CmtCloudAccount *
add_account (Fixture *fx, const char *id, const char *email, const char *site, const char *status)
{
  g_autofree char *path = g_strdup_printf (ROOT "/CloudAccounts/%s", id);
  g_autoptr(CmtObjectSkeleton) object = cmt_object_skeleton_new (path);
  CmtCloudAccount *account = cmt_cloud_account_skeleton_new ();

  cmt_cloud_account_set_email (account, email);
  cmt_cloud_account_set_site_url (account, site);
  cmt_cloud_account_set_display_name (account, "Ada Admin");
  cmt_cloud_account_set_status (account, status);
  cmt_cloud_account_set_token_expires_at (account, now () + 100 * DAY);
  cmt_object_skeleton_set_cloud_account (object, account);
  g_dbus_object_manager_server_export (fx->server, G_DBUS_OBJECT_SKELETON (object));
  wait_for_object (fx, path);
  return account;
}

/* A connection that expires at @expires_at (0: never renewed) and has the status the service would give it. */
static CmtConnection *
add_connection (Fixture *fx, const char *id, const char *server_id, const char *product,
                const char *site, gint64 expires_at)
{
  g_autofree char *path = g_strdup_printf (ROOT "/Connections/%s", id);
  g_autofree char *server_path = g_strdup_printf (ROOT "/Servers/%s", server_id);
  g_autoptr(CmtObjectSkeleton) object = cmt_object_skeleton_new (path);
  CmtConnection *connection = cmt_connection_skeleton_new ();
  CmtStatus status = cmt_expiry_status (expires_at, 5 * DAY, now ());

  cmt_connection_set_server (connection, server_path);
  cmt_connection_set_cloud_account (connection, ROOT "/CloudAccounts/admin");
  cmt_connection_set_product (connection, product);
  cmt_connection_set_cloud_site_url (connection, site);
  cmt_connection_set_expires_at (connection, expires_at);
  cmt_connection_set_renewed_at (connection, expires_at > 0 ? expires_at - 21 * DAY : 0);
  cmt_connection_set_status (connection, cmt_status_to_string (status));
  cmt_connection_set_attention_needed (connection, status == CMT_STATUS_EXPIRED);
  cmt_connection_set_renew_step (connection, "");
  cmt_connection_set_last_error (connection, "");
  cmt_object_skeleton_set_connection (object, connection);
  g_signal_connect (connection, "g-authorize-method", G_CALLBACK (record_call), fx);
  g_dbus_object_manager_server_export (fx->server, G_DBUS_OBJECT_SKELETON (object));
  wait_for_object (fx, path);
  return connection;
}

static void
remove_object (Fixture *fx, const char *path)
{
  WaitObject w = { fx, path };

  g_dbus_object_manager_server_unexport (fx->server, path);
  spin_until (client_lacks, &w);
}

/* The standard set: one of each state, on two servers and two products. */
typedef struct
{
  CmtServer       *jira;
  CmtServer       *wiki;
  CmtServer       *jira2;
  CmtCloudAccount *admin;
  CmtConnection   *valid_late;
  CmtConnection   *valid_early;
  CmtConnection   *never;
  CmtConnection   *expiring;
  CmtConnection   *expired;
} Standard;

static void
standard_add (Fixture *fx, Standard *st)
{
  gint64 t = now ();

  st->jira = add_server (fx, "jira", "jira", "https://jira.example.com");
  st->wiki = add_server (fx, "wiki", "confluence", "https://wiki.example.com");
  st->jira2 = add_server (fx, "jira2", "jira", "https://example.com/jira2");
  st->admin = add_account (fx, "admin", "admin@acme.test", "https://acme.atlassian.net", "valid");
  st->valid_late = add_connection (fx, "c_valid_late", "jira", "jira", "https://acme.atlassian.net", t + 20 * DAY);
  st->never = add_connection (fx, "c_never", "jira2", "jira", "https://other.atlassian.net", 0);
  st->expiring = add_connection (fx, "c_expiring", "wiki", "confluence", "https://acme.atlassian.net", t + 2 * DAY + 600);
  st->valid_early = add_connection (fx, "c_valid_early", "wiki", "confluence", "https://other.atlassian.net", t + 10 * DAY);
  st->expired = add_connection (fx, "c_expired", "jira2", "jira", "https://acme.atlassian.net", t - 3 * DAY + 600);
}

static void
standard_clear (Standard *st)
{
  g_clear_object (&st->jira);
  g_clear_object (&st->wiki);
  g_clear_object (&st->jira2);
  g_clear_object (&st->admin);
  g_clear_object (&st->valid_late);
  g_clear_object (&st->valid_early);
  g_clear_object (&st->never);
  g_clear_object (&st->expiring);
  g_clear_object (&st->expired);
}

static char *
ids_of (GListModel *model)
{
  GString *out = g_string_new ("");

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GDBusObject) object = g_list_model_get_item (model, i);
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, cmt_wording_object_id (g_dbus_object_get_object_path (object)));
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  CmtWindow  *window;
  const char *ids;
} WaitIds;

static gboolean
shows_ids (gpointer data)
{
  WaitIds *w = data;
  g_autofree char *ids = ids_of (cmt_window_get_connections (w->window));
  return g_str_equal (ids, w->ids);
}

/* The search entry reports changes after a delay. */
static void
wait_for_ids (CmtWindow *window, const char *ids)
{
  WaitIds w = { window, ids };
  spin_until (shows_ids, &w);
}

/* --- the sorter --- */

static void
test_sorter_order (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  g_autoptr(CmtObjectModel) model = NULL;
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autofree char *ids = NULL;

  standard_add (fx, &st);
  model = cmt_object_model_new (fx->client, "io.github.cmatoken.Connection1",
                                (const char * const []) { "status", "expires-at", NULL });
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5);
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (model)), cmt_connection_sorter_new (fx->client));

  ids = ids_of (G_LIST_MODEL (sorted));
  g_assert_cmpstr (ids, ==, "c_expired c_expiring c_never c_valid_early c_valid_late");
  standard_clear (&st);
}

static gboolean
first_is (gpointer data)
{
  gpointer *args = data;
  g_autoptr(GDBusObject) first = g_list_model_get_item (args[0], 0);
  return g_str_equal (cmt_wording_object_id (g_dbus_object_get_object_path (first)), args[1]);
}

static void
test_sorter_live (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  g_autoptr(CmtObjectModel) model = NULL;
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autofree char *ids = NULL;
  gpointer args[2];

  standard_add (fx, &st);
  model = cmt_object_model_new (fx->client, "io.github.cmatoken.Connection1",
                                (const char * const []) { "status", "expires-at", NULL });
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (model)), cmt_connection_sorter_new (fx->client));

  /* The late valid one expires: PropertiesChanged moves it to the top. */
  cmt_connection_set_expires_at (st.valid_late, now () - 10 * DAY);
  cmt_connection_set_status (st.valid_late, "expired");
  args[0] = sorted;
  args[1] = "c_valid_late";
  spin_until (first_is, args);
  ids = ids_of (G_LIST_MODEL (sorted));
  g_assert_cmpstr (ids, ==, "c_valid_late c_expired c_expiring c_never c_valid_early");

  /* The expired one is renewed: it goes to the end. */
  g_clear_pointer (&ids, g_free);
  cmt_connection_set_expires_at (st.valid_late, now () + 21 * DAY);
  cmt_connection_set_status (st.valid_late, "valid");
  args[1] = "c_expired";
  spin_until (first_is, args);
  ids = ids_of (G_LIST_MODEL (sorted));
  g_assert_cmpstr (ids, ==, "c_expired c_expiring c_never c_valid_early c_valid_late");

  /* Removed and added objects come and go. */
  remove_object (fx, ROOT "/Connections/c_expired");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sorted)), ==, 4);
  g_clear_object (&st.expired);
  st.expired = add_connection (fx, "c_new", "jira", "jira", "https://new.atlassian.net", now () - DAY);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sorted)), ==, 5);
  g_clear_pointer (&ids, g_free);
  ids = ids_of (G_LIST_MODEL (sorted));
  g_assert_cmpstr (ids, ==, "c_new c_expiring c_never c_valid_early c_valid_late");
  standard_clear (&st);
}

/* --- the row --- */

static GtkWidget *
row_for (Fixture *fx, const char *id)
{
  g_autofree char *path = g_strdup_printf (ROOT "/Connections/%s", id);
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (fx->client, path);
  GtkWidget *row = cmt_connection_row_new (fx->client);

  g_assert_nonnull (object);
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (row), object);
  return g_object_ref_sink (row);
}

static void
test_row_wording (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  g_autoptr(GtkWidget) expiring = NULL;
  g_autoptr(GtkWidget) expired = NULL;
  g_autoptr(GtkWidget) never = NULL;
  g_autoptr(GtkWidget) valid = NULL;
  g_autofree char *until = NULL;
  g_autofree char *valid_text = NULL;

  standard_add (fx, &st);

  expiring = row_for (fx, "c_expiring");
  g_assert_cmpstr (cmt_connection_row_get_product (CMT_CONNECTION_ROW (expiring)), ==, "CCMA");
  g_assert_cmpstr (cmt_connection_row_get_title (CMT_CONNECTION_ROW (expiring)), ==,
                   "wiki.example.com → acme.atlassian.net");
  g_assert_cmpstr (cmt_connection_row_get_state (CMT_CONNECTION_ROW (expiring)), ==, "Expires in 3 days");
  g_assert_cmpstr (cmt_connection_row_get_state_style (CMT_CONNECTION_ROW (expiring)), ==, "warning");
  g_assert_cmpfloat_with_epsilon (cmt_connection_row_get_fraction (CMT_CONNECTION_ROW (expiring)),
                                  (2.0 * DAY + 600) / (21.0 * DAY), 0.01);
  g_assert_null (cmt_connection_row_get_error (CMT_CONNECTION_ROW (expiring)));
  g_assert_false (cmt_connection_row_get_auto_renew_shown (CMT_CONNECTION_ROW (expiring)));

  expired = row_for (fx, "c_expired");
  g_assert_cmpstr (cmt_connection_row_get_product (CMT_CONNECTION_ROW (expired)), ==, "JCMA");
  g_assert_cmpstr (cmt_connection_row_get_title (CMT_CONNECTION_ROW (expired)), ==,
                   "example.com/jira2 → acme.atlassian.net");
  g_assert_cmpstr (cmt_connection_row_get_state (CMT_CONNECTION_ROW (expired)), ==, "Expired 2 days ago");
  g_assert_cmpstr (cmt_connection_row_get_state_style (CMT_CONNECTION_ROW (expired)), ==, "error");
  g_assert_cmpfloat (cmt_connection_row_get_fraction (CMT_CONNECTION_ROW (expired)), ==, 0.0);

  never = row_for (fx, "c_never");
  g_assert_cmpstr (cmt_connection_row_get_state (CMT_CONNECTION_ROW (never)), ==, "Never renewed here");
  /* Never renewed here: a date to find out, not a neutral state. */
  g_assert_cmpstr (cmt_connection_row_get_state_style (CMT_CONNECTION_ROW (never)), ==, "warning");

  valid = row_for (fx, "c_valid_late");
  until = cmt_expiry_format_date (cmt_connection_get_expires_at (st.valid_late));
  valid_text = g_strdup_printf ("Valid until %s", until);
  g_assert_cmpstr (cmt_connection_row_get_state (CMT_CONNECTION_ROW (valid)), ==, valid_text);
  g_assert_cmpstr (cmt_connection_row_get_state_style (CMT_CONNECTION_ROW (valid)), ==, "success");

  /* The service's changes show at once: an error, auto-renew, a renewal in progress. */
  cmt_connection_set_last_error (st.valid_late, "The server refused the personal access token. Replace it.");
  cmt_connection_set_auto_renew (st.valid_late, TRUE);
  cmt_connection_set_renewing (st.valid_late, TRUE);
  cmt_connection_set_renew_step (st.valid_late, "save-token");
  WAIT_FOR (g_str_equal (cmt_connection_row_get_state (CMT_CONNECTION_ROW (valid)), "Saving it on jira.example.com…"));
  g_assert_cmpstr (cmt_connection_row_get_error (CMT_CONNECTION_ROW (valid)), ==,
                   "The server refused the personal access token. Replace it.");
  g_assert_true (cmt_connection_row_get_auto_renew_shown (CMT_CONNECTION_ROW (valid)));
  g_assert_cmpstr (cmt_connection_row_get_state (CMT_CONNECTION_ROW (valid)), ==, "Saving it on jira.example.com…");
  g_assert_false (gtk_widget_get_sensitive (cmt_connection_row_get_renew_button (CMT_CONNECTION_ROW (valid))));

  cmt_connection_set_renew_step (st.valid_late, "create-token");
  WAIT_FOR (g_str_equal (cmt_connection_row_get_state (CMT_CONNECTION_ROW (valid)), "Creating an auth token at Atlassian…"));

  cmt_connection_set_renewing (st.valid_late, FALSE);
  cmt_connection_set_renew_step (st.valid_late, "");
  WAIT_FOR (g_str_equal (cmt_connection_row_get_state (CMT_CONNECTION_ROW (valid)), valid_text));
  g_assert_true (gtk_widget_get_sensitive (cmt_connection_row_get_renew_button (CMT_CONNECTION_ROW (valid))));

  cmt_connection_row_set_object (CMT_CONNECTION_ROW (expiring), NULL);
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (expired), NULL);
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (never), NULL);
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (valid), NULL);
  standard_clear (&st);
}

static void
test_credential_row (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  g_autoptr(GDBusObject) object = NULL;
  g_autoptr(GDBusObject) server_object = NULL;
  GtkWidget *row;
  GtkWidget *server_row;

  standard_add (fx, &st);
  object = g_dbus_object_manager_get_object (fx->client, ROOT "/CloudAccounts/admin");
  row = g_object_ref_sink (cmt_credential_row_new (fx->client, object));
  g_assert_cmpstr (cmt_credential_row_get_title (CMT_CREDENTIAL_ROW (row)), ==, "admin@acme.test");
  g_assert_true (g_str_has_prefix (cmt_credential_row_get_state (CMT_CREDENTIAL_ROW (row)), "Valid until "));

  cmt_cloud_account_set_status (st.admin, "invalid");
  WAIT_FOR (g_str_equal (cmt_credential_row_get_state (CMT_CREDENTIAL_ROW (row)), "Rejected by Atlassian"));

  cmt_cloud_account_set_status (st.admin, "expiring");
  cmt_cloud_account_set_token_expires_at (st.admin, now () + 3 * DAY + 600);
  WAIT_FOR (g_str_equal (cmt_credential_row_get_state (CMT_CREDENTIAL_ROW (row)), "Expires in 4 days"));

  /* A token that works but has no date: it asks for one, in amber, not green. */
  cmt_cloud_account_set_token_expires_at (st.admin, 0);
  cmt_cloud_account_set_status (st.admin, "expiry-unknown");
  WAIT_FOR (g_str_equal (cmt_credential_row_get_state (CMT_CREDENTIAL_ROW (row)), "Expiry unknown: enter the date"));
  g_assert_cmpstr (cmt_wording_status_css_class (CMT_STATUS_EXPIRY_UNKNOWN), ==, "warning");
  g_assert_cmpint (cmt_wording_status_rank (CMT_STATUS_EXPIRY_UNKNOWN), <, cmt_wording_status_rank (CMT_STATUS_VALID));

  server_object = g_dbus_object_manager_get_object (fx->client, ROOT "/Servers/jira2");
  server_row = g_object_ref_sink (cmt_credential_row_new (fx->client, server_object));
  g_assert_cmpstr (cmt_credential_row_get_title (CMT_CREDENTIAL_ROW (server_row)), ==, "example.com/jira2");
  g_assert_cmpstr (cmt_credential_row_get_state (CMT_CREDENTIAL_ROW (server_row)), ==, "No expiry date entered");

  g_object_unref (row);
  g_object_unref (server_row);
  standard_clear (&st);
}

/* --- the window --- */

static CmtWindow *
window_new (Fixture *fx)
{
  CmtWindow *window = cmt_window_new (NULL);

  cmt_window_set_object_manager (window, fx->client, NULL);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
window_destroy (CmtWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  spin_a_while ();
}

static void
test_window_states (Fixture *fx, gconstpointer data)
{
  CmtWindow *window = cmt_window_new (NULL);
  g_autoptr(GError) error = g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, "no such name");

  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (cmt_window_get_state (window), ==, "loading");
  cmt_window_set_object_manager (window, NULL, error);
  g_assert_cmpstr (cmt_window_get_state (window), ==, "no-service");

  /* With a service and nothing in it: the empty page. */
  cmt_window_set_object_manager (window, fx->client, NULL);
  g_assert_cmpstr (cmt_window_get_state (window), ==, "empty");
  g_assert_false (cmt_window_get_keyring_warning_shown (window));

  /* The keyring warning follows the Manager's KeyringState. */
  cmt_manager_set_keyring_state (fx->manager, "locked");
  WAIT_FOR (cmt_window_get_keyring_warning_shown (window));
  cmt_manager_set_keyring_state (fx->manager, "unlocked");
  WAIT_FOR (!cmt_window_get_keyring_warning_shown (window));
  cmt_manager_set_keyring_state (fx->manager, "unavailable");
  WAIT_FOR (cmt_window_get_keyring_warning_shown (window));
  cmt_manager_set_keyring_state (fx->manager, "unlocked");
  WAIT_FOR (!cmt_window_get_keyring_warning_shown (window));

  window_destroy (window);
}

static void
test_window_list (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  CmtWindow *window = window_new (fx);
  g_autofree char *ids = NULL;
  g_autoptr(CmtConnection) extra = NULL;

  g_assert_cmpstr (cmt_window_get_state (window), ==, "empty");
  standard_add (fx, &st);
  WAIT_FOR (g_str_equal (cmt_window_get_state (window), "list"));
  ids = ids_of (cmt_window_get_connections (window));
  g_assert_cmpstr (ids, ==, "c_expired c_expiring c_never c_valid_early c_valid_late");

  /* app.show-connection lands here: select the row and bring it into view. */
  cmt_window_show_connection (window, "c_valid_early");
  g_assert_cmpuint (cmt_window_get_selected (window), ==, 3);
  cmt_window_show_connection (window, "c_expired");
  g_assert_cmpuint (cmt_window_get_selected (window), ==, 0);
  cmt_window_show_connection (window, "no_such_thing");
  g_assert_cmpuint (cmt_window_get_selected (window), ==, 0);

  /* Search filters by server, site and product. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL);
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
    GtkWidget *entry = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_SEARCH_ENTRY) : NULL;

    g_assert_nonnull (entry);
    gtk_editable_set_text (GTK_EDITABLE (entry), "wiki");
    wait_for_ids (window, "c_expiring c_valid_early");

    gtk_editable_set_text (GTK_EDITABLE (entry), "nothing matches this");
    wait_for_ids (window, "");
    g_assert_cmpstr (cmt_window_get_state (window), ==, "no-results");

    /* Showing a connection that the search hides clears the search. */
    cmt_window_show_connection (window, "c_never");
    spin_a_while ();
    g_assert_cmpstr (cmt_window_get_state (window), ==, "list");
    g_assert_cmpuint (cmt_window_get_selected (window), ==, 2);
  }

  /* Everything removed: the empty page again. */
  for (const char *const *id = (const char * const []) { "c_expired", "c_expiring", "c_never",
                                                         "c_valid_early", "c_valid_late", NULL };
       *id != NULL; id++)
    {
      g_autofree char *path = g_strdup_printf (ROOT "/Connections/%s", *id);
      remove_object (fx, path);
    }
  WAIT_FOR (g_str_equal (cmt_window_get_state (window), "empty"));

  window_destroy (window);
  standard_clear (&st);
}

static GtkWidget *find_widget_named (GtkWidget *widget, GType type, const char *title);
static guint count_widgets (GtkWidget *widget, GType type);
static GtkWindow *find_toplevel (GType type);

/* A connection that enters "this week" while the window is open joins the
 * state filter at the next minute tick, with no property change from the service. */
static void
test_window_filter_follows_time (Fixture *fx, gconstpointer data)
{
  CmtWindow *window = window_new (fx);
  g_autoptr(CmtServer) server = add_server (fx, "jira", "jira", "https://jira.example.com");
  g_autoptr(CmtCloudAccount) account = add_account (fx, "admin", "ada@acme.test", "https://acme.atlassian.net", "valid");
  /* A week and two seconds: "valid" now, "this week" in three seconds. */
  g_autoptr(CmtConnection) connection = add_connection (fx, "c_soon", "jira", "jira", "https://acme.atlassian.net",
                                                        now () + 7 * DAY + 2);
  GtkDropDown *state_filter;

  WAIT_FOR (g_str_equal (cmt_window_get_state (window), "list"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL);
  state_filter = GTK_DROP_DOWN (find_widget_named (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, NULL));
  g_assert_nonnull (state_filter);
  gtk_drop_down_set_selected (state_filter, 4 /* Expires This Week, as in the .ui */);
  wait_for_ids (window, "");

  g_usleep (3 * G_USEC_PER_SEC);
  cmt_window_refresh_time (window);
  wait_for_ids (window, "c_soon");

  window_destroy (window);
}

static void
check_window_clipping (CmtWindow *window, const char *where, GString *report)
{
  g_autofree char *name = g_strdup_printf ("%s-%s", g_getenv ("LANGUAGE"), where);
  g_autofree char *shot = g_strconcat ("window-", name, NULL);

  spin_a_while ();
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  flows_test_screenshot (GTK_WIDGET (window), shot);
  flows_clipping_check (GTK_WIDGET (window), name, report);
}

/* A hundred connections in every state, credentials with errors: every label on
 * screen holds its text, in the language of $CMT_TEST_LANGUAGE (en, or ja). */
static void
test_window_clipping (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) report = g_string_new (NULL);
  gint64 t = now ();
  CmtWindow *window;
  AdwViewStack *stack;
  CmtCloudAccount *rejected;
  CmtServer *failing;

  g_ptr_array_add (keep, add_server (fx, "jira", "jira", "https://jira.example.com"));
  failing = add_server (fx, "wiki", "confluence", "https://wiki.example.com/confluence");
  cmt_server_set_status (failing, "rejected");
  cmt_server_set_attention_needed (failing, TRUE);
  {
    /* The service's own words, translated as it would send them. */
    g_autofree char *message = g_strdup_printf (_("The server %s did not accept the personal access token. It may be mistyped, expired or revoked: create a new one in your profile on the server and enter it again."),
                                                "wiki.example.com");
    cmt_server_set_last_error (failing, message);
  }
  g_ptr_array_add (keep, failing);
  g_ptr_array_add (keep, add_account (fx, "admin", "ada@acme.test", "https://acme.atlassian.net", "valid"));
  rejected = add_account (fx, "ops", "oskar.operations.team@very-long-company-name.example", "https://acme-staging.atlassian.net", "rejected");
  cmt_cloud_account_set_attention_needed (rejected, TRUE);
  {
    g_autofree char *message = g_strdup_printf (_("Atlassian (%1$s) did not accept the email address %2$s with this API token. The token may be mistyped, expired or revoked: create a new one at https://id.atlassian.com/manage-profile/security/api-tokens and enter it again."),
                                                "acme-staging.atlassian.net", "oskar.operations.team@very-long-company-name.example");
    cmt_cloud_account_set_last_error (rejected, message);
  }
  cmt_cloud_account_set_token_expires_at (rejected, t - 2 * DAY);
  g_ptr_array_add (keep, rejected);

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%03u", i);
      g_autofree char *site = g_strdup_printf ("https://site-number-%03u.atlassian.net", i);
      gint64 expires = i % 5 == 0 ? 0 : t + ((gint64) (i % 30) - 5) * DAY;
      CmtConnection *c = add_connection (fx, id, i % 2 ? "jira" : "wiki", i % 2 ? "jira" : "confluence", site, expires);

      if (i % 7 == 0)
        {
          g_autofree char *message = g_strdup_printf (_("The server %s did not accept the personal access token. It may be mistyped, expired or revoked: create a new one in your profile on the server and enter it again."),
                                                      "jira.example.com");
          cmt_connection_set_last_error (c, message);
          cmt_connection_set_last_error_name (c, "io.github.cmatoken.Error.ServerAuthFailed");
        }
      if (i % 3 == 0)
        cmt_connection_set_label (c, i % 2 ? "本番 Jira (production, Tokyo data centre)" : "Staging wiki");
      if (i % 11 == 0)
        {
          cmt_connection_set_renewing (c, TRUE);
          cmt_connection_set_renew_step (c, "save-token");
        }
      if (i % 4 == 0)
        cmt_connection_set_auto_renew (c, TRUE);
      g_ptr_array_add (keep, c);
    }

  window = window_new (fx);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  WAIT_FOR (g_str_equal (cmt_window_get_state (window), "list"));
  for (guint position = 0; position < 100; position += 5)
    {
      g_autofree char *where = g_strdup_printf ("connections-%03u", position);
      gtk_widget_activate_action (GTK_WIDGET (window), "list.scroll-to-item", "u", position);
      check_window_clipping (window, where, report);
    }

  stack = ADW_VIEW_STACK (find_widget_named (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));
  adw_view_stack_set_visible_child_name (stack, "accounts");
  WAIT_FOR (count_widgets (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW) >= 2);
  check_window_clipping (window, "accounts", report);
  adw_view_stack_set_visible_child_name (stack, "servers");
  WAIT_FOR (count_widgets (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW) >= 4);
  check_window_clipping (window, "servers", report);

  /* The Replace dialogs, with the date row and "Sign in with" open. */
  for (const char *const *path = (const char * const []) { ROOT "/CloudAccounts/ops", ROOT "/Servers/wiki", NULL };
       *path != NULL; path++)
    {
      GtkWindow *dialog;
      g_autofree char *where = g_strdup_printf ("replace-%s", cmt_wording_object_id (*path));

      gtk_widget_activate_action (GTK_WIDGET (window), "main.replace-credential", "s", *path);
      WAIT_FOR (find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG) != NULL);
      dialog = find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG);
      spin_a_while ();
      gtk_test_widget_wait_for_draw (GTK_WIDGET (dialog));
      flows_clipping_check (GTK_WIDGET (dialog), where, report);
      gtk_window_close (dialog);
      WAIT_FOR (find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG) == NULL);
    }

  if (report->len > 0)
    g_error ("Text that does not fit (LANGUAGE=%s):\n%s", g_getenv ("LANGUAGE"), report->str);
  window_destroy (window);
}

static CmtConnectionRow *find_row (GtkWidget *widget, const char *id);

static void
test_window_late_server (Fixture *fx, gconstpointer data)
{
  CmtWindow *window = window_new (fx);
  g_autoptr(CmtConnection) connection = NULL;
  g_autoptr(CmtServer) server = NULL;
  CmtConnectionRow *row;

  /* The service may announce a connection before its server (e.g. when it starts again). */
  connection = add_connection (fx, "c_late", "late", "jira", "https://acme.atlassian.net", now () + 10 * DAY);
  WAIT_FOR (find_row (GTK_WIDGET (window), "c_late") != NULL);
  row = find_row (GTK_WIDGET (window), "c_late");
  g_assert_cmpstr (cmt_connection_row_get_title (row), ==, "late → acme.atlassian.net");

  server = add_server (fx, "late", "jira", "https://late.example.com");
  WAIT_FOR (g_str_equal (cmt_connection_row_get_title (find_row (GTK_WIDGET (window), "c_late")),
                         "late.example.com → acme.atlassian.net"));

  window_destroy (window);
}

static guint
count_widgets (GtkWidget *widget, GType type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (widget, type) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child, type);
  return n;
}

typedef struct
{
  CmtWindow *window;
  GType      type;
  guint      more_than;
} WaitCount;

static gboolean
has_more_widgets (gpointer data)
{
  WaitCount *w = data;
  return count_widgets (GTK_WIDGET (w->window), w->type) > w->more_than;
}

static void
test_window_many (Fixture *fx, gconstpointer data)
{
  CmtWindow *window;
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CmtServer) server = add_server (fx, "big", "jira", "https://big.example.com");
  GListModel *shown;
  gint64 t = now ();

  /* A thousand connections: the list model holds them, the view makes only the visible rows. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%04u", i);
      g_autofree char *site = g_strdup_printf ("https://site%04u.atlassian.net", i);
      g_autofree char *path = g_strdup_printf (ROOT "/Connections/%s", id);
      g_autoptr(CmtObjectSkeleton) object = cmt_object_skeleton_new (path);
      CmtConnection *connection = cmt_connection_skeleton_new ();
      gint64 expires = (i % 7 == 0) ? 0 : t + ((gint64) (i % 50) - 10) * DAY;

      cmt_connection_set_server (connection, ROOT "/Servers/big");
      cmt_connection_set_cloud_account (connection, ROOT "/CloudAccounts/none");
      cmt_connection_set_product (connection, "jira");
      cmt_connection_set_cloud_site_url (connection, site);
      cmt_connection_set_expires_at (connection, expires);
      cmt_connection_set_status (connection, cmt_status_to_string (cmt_expiry_status (expires, 5 * DAY, t)));
      cmt_object_skeleton_set_connection (object, connection);
      g_dbus_object_manager_server_export (fx->server, G_DBUS_OBJECT_SKELETON (object));
      g_ptr_array_add (connections, connection);
    }
  wait_for_object (fx, ROOT "/Connections/c0999");

  /* Timed for information only (no timed assertions in tests). */
  g_test_timer_start ();
  window = window_new (fx);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_test_message ("window with 1000 connections drawn in %.3f s", g_test_timer_elapsed ());
  shown = cmt_window_get_connections (window);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1000);

  /* The first frame builds the rows a window shows, not the two hundred a list
   * view keeps, and no row of the pages not shown; the others come frame by frame. */
  g_assert_cmpuint (count_widgets (GTK_WIDGET (window), CMT_TYPE_CONNECTION_ROW), <=, 24);
  g_assert_cmpuint (count_widgets (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW), ==, 0);
  {
    WaitCount w = { window, CMT_TYPE_CONNECTION_ROW, 100 };
    spin_until (has_more_widgets, &w);
  }
  g_assert_cmpuint (count_widgets (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW), ==, 0);
  {
    /* The Servers page gets its rows when shown. */
    WaitCount w = { window, CMT_TYPE_CREDENTIAL_ROW, 0 };
    AdwViewStack *stack = ADW_VIEW_STACK (find_widget_named (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));

    adw_view_stack_set_visible_child_name (stack, "servers");
    spin_until (has_more_widgets, &w);
    adw_view_stack_set_visible_child_name (stack, "connections");
  }

  /* Attention order holds over the whole list. */
  for (guint i = 1; i < 1000; i++)
    {
      g_autoptr(GDBusObject) a = g_list_model_get_item (shown, i - 1);
      g_autoptr(GDBusObject) b = g_list_model_get_item (shown, i);
      CmtStatus sa = cmt_status_from_string (cmt_connection_get_status (cmt_object_peek_connection (CMT_OBJECT (a))));
      CmtStatus sb = cmt_status_from_string (cmt_connection_get_status (cmt_object_peek_connection (CMT_OBJECT (b))));
      g_assert_cmpint (cmt_wording_status_rank (sa), <=, cmt_wording_status_rank (sb));
    }

  cmt_window_show_connection (window, "c0998");
  spin_a_while ();
  {
    g_autoptr(GDBusObject) selected = g_list_model_get_item (shown, cmt_window_get_selected (window));
    g_assert_cmpstr (g_dbus_object_get_object_path (selected), ==, ROOT "/Connections/c0998");
  }
  window_destroy (window);
}

static CmtConnectionRow *
find_row (GtkWidget *widget, const char *id)
{
  if (CMT_IS_CONNECTION_ROW (widget))
    {
      GDBusObject *object = cmt_connection_row_get_object (CMT_CONNECTION_ROW (widget));
      if (object != NULL && g_str_equal (cmt_wording_object_id (g_dbus_object_get_object_path (object)), id))
        return CMT_CONNECTION_ROW (widget);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      CmtConnectionRow *row = find_row (child, id);
      if (row != NULL)
        return row;
    }
  return NULL;
}

static GtkWindow *find_toplevel (GType type);

static gboolean
handle_mark_renewed (CmtConnection *connection, GDBusMethodInvocation *invocation,
                     gint64 renewed_at, gpointer user_data)
{
  cmt_connection_complete_mark_renewed (connection, invocation);
  return TRUE;
}

static gboolean
handle_remove (CmtConnection *connection, GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_dbus_method_invocation_return_dbus_error (invocation, "io.github.cmatoken.Error.Busy",
                                              "The connection is being renewed. Wait until it is done, then try again.");
  return TRUE;
}

static void
test_window_row_actions (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  CmtWindow *window;
  CmtConnectionRow *row;
  AdwMessageDialog *dialog;
  GtkWindow *renew;

  standard_add (fx, &st);
  g_signal_connect (st.expiring, "handle-mark-renewed", G_CALLBACK (handle_mark_renewed), NULL);
  g_signal_connect (st.expiring, "handle-remove", G_CALLBACK (handle_remove), NULL);
  window = window_new (fx);
  WAIT_FOR (find_row (GTK_WIDGET (window), "c_expiring") != NULL);
  row = find_row (GTK_WIDGET (window), "c_expiring");

  /* Mark as Renewed asks for the day; today means "now" (0). */
  gtk_widget_activate_action (GTK_WIDGET (row), "row.mark-renewed", NULL);
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Mark as Renewed?");
  g_assert_true (GTK_IS_CALENDAR (adw_message_dialog_get_extra_child (dialog)));
  adw_message_dialog_response (dialog, "mark");
  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_FOR (fx->calls->len == 1);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 0), ==, "MarkRenewed (0,)");

  /* Remove asks first; Cancel does nothing; the service's error comes back as a toast. */
  gtk_widget_activate_action (GTK_WIDGET (row), "row.remove", NULL);
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove Connection?");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "remove"), ==, ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  spin_a_while ();
  g_assert_cmpuint (fx->calls->len, ==, 1);

  gtk_widget_activate_action (GTK_WIDGET (row), "row.remove", NULL);
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (dialog, "remove");
  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_FOR (fx->calls->len == 2);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 1), ==, "Remove ()");

  /* Renew… opens the flows' renewal dialog over the window. */
  gtk_widget_activate_action (GTK_WIDGET (row), "row.renew", NULL);
  WAIT_FOR (find_toplevel (CMT_TYPE_RENEW_DIALOG) != NULL);
  renew = find_toplevel (CMT_TYPE_RENEW_DIALOG);
  g_assert_true (gtk_window_get_transient_for (renew) == GTK_WINDOW (window));
  gtk_window_destroy (renew);
  g_assert_cmpuint (cmt_window_get_selected (window), ==, 1);

  window_destroy (window);
  standard_clear (&st);
}

static gboolean
handle_replace_token (CmtCloudAccount *account, GDBusMethodInvocation *invocation,
                      const char *api_token, gint64 expires_at, gpointer user_data)
{
  if (g_str_equal (api_token, "wrong"))
    g_dbus_method_invocation_return_dbus_error (invocation, "io.github.cmatoken.Error.CloudAuthFailed",
                                                "Atlassian refused the API token. Create a new one and try again.");
  else
    cmt_cloud_account_complete_replace_token (account, invocation);
  return TRUE;
}

static gboolean
handle_account_remove (CmtCloudAccount *account, GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_dbus_method_invocation_return_dbus_error (invocation, "io.github.cmatoken.Error.InUse",
                                              "A connection renews with this account. Remove the connection first.");
  return TRUE;
}

static gboolean
handle_account_check (CmtCloudAccount *account, GDBusMethodInvocation *invocation, gpointer user_data)
{
  cmt_cloud_account_complete_check (account, invocation);
  return TRUE;
}

static GtkWidget *
find_widget_named (GtkWidget *widget, GType type, const char *title)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      (title == NULL || (ADW_IS_PREFERENCES_ROW (widget) &&
                         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget_named (child, type, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_label (GtkWidget *widget, gboolean (*accept) (const char *))
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) && accept (gtk_label_get_label (GTK_LABEL (widget))))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, accept);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_refusal (const char *text)
{
  return g_strcmp0 (text, "Atlassian refused the API token. Create a new one and try again.") == 0;
}

static void
test_credential_actions (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  CmtWindow *window;
  GtkWindow *dialog;
  GtkWidget *secret;
  AdwMessageDialog *message;
  CmtCredentialRow *row;

  standard_add (fx, &st);
  g_signal_connect (st.admin, "g-authorize-method", G_CALLBACK (record_call), fx);
  g_signal_connect (st.admin, "handle-replace-token", G_CALLBACK (handle_replace_token), NULL);
  g_signal_connect (st.admin, "handle-remove", G_CALLBACK (handle_account_remove), NULL);
  g_signal_connect (st.admin, "handle-check", G_CALLBACK (handle_account_check), NULL);
  window = window_new (fx);

  /* Replace: a refused token shows the service's message in the dialog, which stays open. */
  gtk_widget_activate_action (GTK_WIDGET (window), "main.replace-credential", "s", ROOT "/CloudAccounts/admin");
  WAIT_FOR (find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG) != NULL);
  dialog = find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Replace API Token");
  secret = find_widget_named (GTK_WIDGET (dialog), ADW_TYPE_PASSWORD_ENTRY_ROW, "API token");
  g_assert_nonnull (secret);
  gtk_editable_set_text (GTK_EDITABLE (secret), "wrong");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.replace", NULL);
  WAIT_FOR (find_label (GTK_WIDGET (dialog), is_refusal) != NULL);
  g_assert_cmpuint (fx->calls->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 0), ==, "ReplaceToken ('wrong', 0)");

  /* A good one closes the dialog. */
  gtk_editable_set_text (GTK_EDITABLE (secret), "ATATT-new");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.replace", NULL);
  WAIT_FOR (find_toplevel (CMT_TYPE_CREDENTIAL_DIALOG) == NULL);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 1), ==, "ReplaceToken ('ATATT-new', 0)");

  /* Remove: confirmed, refused with InUse: a message says why. */
  gtk_widget_activate_action (GTK_WIDGET (window), "main.remove-credential", "s", ROOT "/CloudAccounts/admin");
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  message = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (message), ==, "Remove Cloud Account?");
  adw_message_dialog_response (message, "remove");
  gtk_window_close (GTK_WINDOW (message));
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL &&
            g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG))),
                       "The Cloud Account Was Not Removed") == 0);
  message = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_body (message), ==,
                   "A connection renews with this account. Remove the connection first.");
  gtk_window_close (GTK_WINDOW (message));
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 2), ==, "Remove ()");

  /* Check, from the account's row (built once its page is shown). */
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (find_widget_named (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL)),
                                         "accounts");
  WAIT_FOR (find_widget_named (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW, NULL) != NULL);
  row = CMT_CREDENTIAL_ROW (find_widget_named (GTK_WIDGET (window), CMT_TYPE_CREDENTIAL_ROW, NULL));
  g_assert_nonnull (row);
  gtk_widget_activate_action (GTK_WIDGET (row), "row.check", NULL);
  WAIT_FOR (fx->calls->len == 4);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 3), ==, "Check ()");

  window_destroy (window);
  standard_clear (&st);
}

/* --- preferences and consent --- */

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
handle_set_auto_renew (CmtConnection *connection, GDBusMethodInvocation *invocation,
                       gboolean enabled, GVariant *options, gpointer user_data)
{
  gboolean consent = FALSE;

  g_variant_lookup (options, "allow-migrations-data-access", "b", &consent);
  if (enabled && !consent)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, "io.github.cmatoken.Error.ConsentRequired",
                                                  "Consent is required.");
      return TRUE;
    }
  cmt_connection_set_auto_renew (connection, enabled);
  cmt_connection_complete_set_auto_renew (connection, invocation);
  return TRUE;
}


static void
test_preferences_consent (Fixture *fx, gconstpointer data)
{
  Standard st = { 0 };
  GtkWindow *prefs;
  CmtAutoRenewRow *row;
  GtkSwitch *toggle;
  AdwMessageDialog *dialog;
  GtkCheckButton *consent;
  g_autoptr(GSettings) settings = g_settings_new (CMT_APP_ID);

  standard_add (fx, &st);
  g_signal_connect (st.expiring, "handle-set-auto-renew", G_CALLBACK (handle_set_auto_renew), NULL);

  prefs = cmt_preferences_window_new (NULL, fx->client);
  gtk_window_present (prefs);
  spin_a_while ();

  /* GSettings are bound both ways. */
  g_settings_set_uint (settings, "warn-days-before-expiry", 7);
  {
    GtkWidget *spin = find_descendant (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON);
    g_assert_nonnull (spin);
    /* The first spin button is the lifetime. */
    g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), ==, 21.0);
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 30.0);
    g_assert_cmpuint (g_settings_get_uint (settings, "container-token-lifetime-days"), ==, 30);
    g_settings_reset (settings, "container-token-lifetime-days");
    g_settings_reset (settings, "warn-days-before-expiry");
  }

  /* Find the expiring connection's auto-renew row (rows are sorted by title). */
  row = NULL;
  for (GtkWidget *w = find_descendant (GTK_WIDGET (prefs), CMT_TYPE_AUTO_RENEW_ROW); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (CMT_IS_AUTO_RENEW_ROW (w) &&
        g_str_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)), "wiki.example.com → acme.atlassian.net"))
      row = CMT_AUTO_RENEW_ROW (w);
  g_assert_nonnull (row);
  toggle = cmt_auto_renew_row_get_switch (row);
  g_assert_false (gtk_switch_get_active (toggle));

  /* Turning it on asks first; Cancel leaves it off and calls nothing. */
  gtk_switch_set_active (toggle, TRUE);
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Renew Automatically?");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "enable"));
  consent = GTK_CHECK_BUTTON (adw_message_dialog_get_extra_child (dialog));
  g_assert_cmpstr (gtk_check_button_get_label (consent), ==, "_Allow Atlassian to access migrations data");
  /* As a click on the button does: answer, then close. */
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  spin_a_while ();
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (cmt_connection_get_auto_renew (st.expiring));
  g_assert_cmpuint (fx->calls->len, ==, 0);

  /* With the box checked, "Turn On" sends the consent along. */
  gtk_switch_set_active (toggle, TRUE);
  WAIT_FOR (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL);
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (dialog);
  consent = GTK_CHECK_BUTTON (adw_message_dialog_get_extra_child (dialog));
  gtk_check_button_set_active (consent, TRUE);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "enable"));
  adw_message_dialog_response (dialog, "enable");
  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_FOR (fx->calls->len > 0);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 0), ==,
                   "SetAutoRenew (true, {'allow-migrations-data-access': <true>})");
  WAIT_FOR (gtk_switch_get_state (toggle));
  g_assert_true (cmt_connection_get_auto_renew (st.expiring));
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_true (gtk_switch_get_state (toggle));

  /* Off needs no consent. */
  gtk_switch_set_active (toggle, FALSE);
  WAIT_FOR (fx->calls->len == 2 && !gtk_switch_get_state (toggle));
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpuint (fx->calls->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fx->calls, 1), ==, "SetAutoRenew (false, {})");
  g_assert_false (cmt_connection_get_auto_renew (st.expiring));

  gtk_window_destroy (prefs);
  spin_a_while ();
  standard_clear (&st);
}

int
main (int argc, char *argv[])
{
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  /* English unless the clipping run asks for another language. */
  g_setenv ("LANGUAGE", g_getenv ("CMT_TEST_LANGUAGE") != NULL ? g_getenv ("CMT_TEST_LANGUAGE") : "C", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR_BUILD);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  cmt_gui_ensure_resources ();
  {
    /* The app's style sheet, as AdwApplication loads it: the clipping check
     * measures the rows as users see them. */
    g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
    gtk_css_provider_load_from_resource (provider, "/io/github/cmatoken/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/gui/sorter/order", test_sorter_order);
  ADD ("/gui/sorter/live", test_sorter_live);
  ADD ("/gui/row/wording", test_row_wording);
  ADD ("/gui/credential-row/wording", test_credential_row);
  ADD ("/gui/window/states", test_window_states);
  ADD ("/gui/window/list", test_window_list);
  ADD ("/gui/window/late-server", test_window_late_server);
  ADD ("/gui/window/filter-follows-time", test_window_filter_follows_time);
  ADD ("/gui/window/many", test_window_many);
  ADD ("/gui/window/clipping", test_window_clipping);
  ADD ("/gui/window/row-actions", test_window_row_actions);
  ADD ("/gui/window/credential-actions", test_credential_actions);
  ADD ("/gui/preferences/consent", test_preferences_consent);
#undef ADD

  return g_test_run ();
}
