/* test-notifier.c: cmtd-notifier against python-dbusmock's notification server on a private bus */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "cmt-expiry.h"
#include "cmtd-notifier.h"

#define DAY CMT_SECONDS_PER_DAY

#define MOCK_NAME  "org.freedesktop.Notifications"
#define MOCK_PATH  "/org/freedesktop/Notifications"
#define MOCK_IFACE "org.freedesktop.DBus.Mock"

/* The app's side of org.freedesktop.Application, to record what a click asks for. */
static const char app_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Application'>"
  "    <method name='Activate'>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "    <method name='Open'>"
  "      <arg type='as' name='uris' direction='in'/>"
  "      <arg type='s' name='hint' direction='in'/>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "    <method name='ActivateAction'>"
  "      <arg type='s' name='action_name' direction='in'/>"
  "      <arg type='av' name='parameter' direction='in'/>"
  "      <arg type='a{sv}' name='platform_data' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection *bus;
  GSubprocess     *mock;
  char            *tmpdir;
  char            *state_path;
  CmtdNotifier    *notifier;
  GSettings       *settings;

  GDBusConnection *app_bus;       /* the recorder's own connection, like a real app */
  guint            app_object;
  guint            app_name;
  gboolean         app_name_owned;
  GPtrArray       *app_calls;     /* GVariant "(s@*)": method and parameters */
} Fixture;

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static guint
timeout_multiplier (void)
{
  const char *m = g_getenv ("CMT_TIMEOUT_MULTIPLIER");
  guint64 v = m != NULL ? g_ascii_strtoull (m, NULL, 10) : 1;

  return (guint) CLAMP (v, 1, 100);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run for @ms: the notifier works in callbacks. */
static void
spin (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_loop, loop);
  g_main_loop_run (loop);
}

typedef gboolean (*Condition) (Fixture *fx, gconstpointer data);

/* Not a timing assertion: a generous bound so a broken notifier fails
 * instead of hanging. */
static void
wait_until (Fixture      *fx,
            Condition     condition,
            gconstpointer data,
            const char   *what)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC * timeout_multiplier ();

  while (!condition (fx, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      spin (20);
    }
}

/* --- the mock notification server --- */

static gboolean
name_has_owner (GDBusConnection *bus,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has);
  return has;
}

static gboolean
mock_is_up (Fixture *fx, gconstpointer data)
{
  return name_has_owner (fx->bus, MOCK_NAME);
}

static gboolean
mock_is_down (Fixture *fx, gconstpointer data)
{
  return !name_has_owner (fx->bus, MOCK_NAME);
}

static void
start_mock_with (Fixture    *fx,
                 const char *capabilities)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("{\"capabilities\": \"%s\"}", capabilities);

  g_assert_null (fx->mock);
  g_assert_false (name_has_owner (fx->bus, MOCK_NAME));
  /* stdout stays quiet: it carries this test's TAP. */
  fx->mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                               "/usr/bin/python3", "-m", "dbusmock",
                               "--template", "notification_daemon",
                               "-p", params,
                               NULL);
  g_assert_no_error (error);
  wait_until (fx, mock_is_up, NULL, "the mock notification server");
}

static void
start_mock (Fixture *fx)
{
  start_mock_with (fx, "body actions");
}

static void
stop_mock (Fixture *fx)
{
  if (fx->mock == NULL)
    return;
  g_subprocess_send_signal (fx->mock, SIGTERM);
  g_subprocess_wait (fx->mock, NULL, NULL);
  g_clear_object (&fx->mock);
  wait_until (fx, mock_is_down, NULL, "the mock notification server to go");
}

static GVariant *
mock_call (Fixture    *fx,
           const char *method,
           GVariant   *params,
           const char *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (fx->bus, MOCK_NAME, MOCK_PATH, MOCK_IFACE, method,
                                       params, G_VARIANT_TYPE (reply_type),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

/* The calls of @method the server received, each an "av" of its arguments. */
static GPtrArray *
mock_calls (Fixture    *fx,
            const char *method)
{
  g_autoptr(GVariant) reply = mock_call (fx, "GetMethodCalls", g_variant_new ("(s)", method), "(a(tav))");
  g_autoptr(GVariant) calls = g_variant_get_child_value (reply, 0);
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *args;
  guint64 timestamp;

  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t@av)", &timestamp, &args))
    g_ptr_array_add (result, args);
  return result;
}

static guint
n_mock_calls (Fixture    *fx,
              const char *method)
{
  g_autoptr(GPtrArray) calls = mock_calls (fx, method);
  return calls->len;
}

static gboolean
has_n_notify (Fixture *fx, gconstpointer data)
{
  return n_mock_calls (fx, "Notify") >= GPOINTER_TO_UINT (data);
}

static gboolean
has_n_close (Fixture *fx, gconstpointer data)
{
  return n_mock_calls (fx, "CloseNotification") >= GPOINTER_TO_UINT (data);
}

static gboolean
nothing_pending (Fixture *fx, gconstpointer data)
{
  return cmtd_notifier_get_n_pending (fx->notifier) == 0;
}

/* Until the server got @n Notify calls and the notifier their answers. */
static void
wait_for_notify (Fixture *fx,
                 guint    n)
{
  wait_until (fx, has_n_notify, GUINT_TO_POINTER (n), "Notify calls");
  wait_until (fx, nothing_pending, NULL, "the notifier to hear back");
}

/* A Notify call, unpacked. */
typedef struct
{
  char     *app_name;
  guint32   replaces_id;
  char     *icon;
  char     *summary;
  char     *body;
  char    **actions;
  GVariant *hints;
  gint32    timeout;
} Notification;

static void
notification_free (Notification *n)
{
  g_free (n->app_name);
  g_free (n->icon);
  g_free (n->summary);
  g_free (n->body);
  g_strfreev (n->actions);
  g_variant_unref (n->hints);
  g_free (n);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Notification, notification_free)

static GVariant *
arg (GVariant *args,
     guint     i)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, i);
  return g_variant_get_variant (boxed);
}

/* The id argument of the @i-th CloseNotification call. The template declares
 * it "i" where the specification says "u": take either. */
static gint64
get_closed_id (Fixture *fx,
               guint    i)
{
  g_autoptr(GPtrArray) calls = mock_calls (fx, "CloseNotification");
  g_autoptr(GVariant) id = NULL;

  g_assert_cmpuint (i, <, calls->len);
  id = arg (calls->pdata[i], 0);
  if (g_variant_is_of_type (id, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (id);
  return g_variant_get_uint32 (id);
}

static Notification *
get_notify (Fixture *fx,
            guint    i)
{
  g_autoptr(GPtrArray) calls = mock_calls (fx, "Notify");
  Notification *n = g_new0 (Notification, 1);
  GVariant *args;
  g_autoptr(GVariant) v0 = NULL;
  g_autoptr(GVariant) v1 = NULL;
  g_autoptr(GVariant) v2 = NULL;
  g_autoptr(GVariant) v3 = NULL;
  g_autoptr(GVariant) v4 = NULL;
  g_autoptr(GVariant) v5 = NULL;
  g_autoptr(GVariant) v7 = NULL;

  g_assert_cmpuint (i, <, calls->len);
  args = calls->pdata[i];
  g_assert_cmpuint (g_variant_n_children (args), ==, 8);
  v0 = arg (args, 0);
  v1 = arg (args, 1);
  v2 = arg (args, 2);
  v3 = arg (args, 3);
  v4 = arg (args, 4);
  v5 = arg (args, 5);
  n->hints = arg (args, 6);
  v7 = arg (args, 7);
  n->app_name = g_variant_dup_string (v0, NULL);
  n->replaces_id = g_variant_get_uint32 (v1);
  n->icon = g_variant_dup_string (v2, NULL);
  n->summary = g_variant_dup_string (v3, NULL);
  n->body = g_variant_dup_string (v4, NULL);
  n->actions = g_variant_dup_strv (v5, NULL);
  n->timeout = g_variant_get_int32 (v7);
  g_assert_true (g_variant_is_of_type (n->hints, G_VARIANT_TYPE_VARDICT));
  return n;
}

static guint8
hint_urgency (Notification *n)
{
  guint8 urgency = 255;

  g_assert_true (g_variant_lookup (n->hints, "urgency", "y", &urgency));
  return urgency;
}

static gboolean
has_action (Notification *n,
            const char   *key)
{
  /* key, label, key, label… */
  for (guint i = 0; n->actions[i] != NULL && n->actions[i + 1] != NULL; i += 2)
    if (g_str_equal (n->actions[i], key))
      return TRUE;
  return FALSE;
}

static void
mock_emit (Fixture    *fx,
           const char *signal_name,
           const char *signature,
           GVariant   *args)
{
  g_autoptr(GVariant) reply = NULL;

  reply = mock_call (fx, "EmitSignal",
                     g_variant_new ("(sss@av)", "org.freedesktop.Notifications",
                                    signal_name, signature, args),
                     "()");
}

static void
click (Fixture    *fx,
       guint32     id,
       const char *action)
{
  GVariant *items[] = { g_variant_new_variant (g_variant_new_uint32 (id)),
                        g_variant_new_variant (g_variant_new_string (action)) };

  mock_emit (fx, "ActionInvoked", "us", g_variant_new_array (G_VARIANT_TYPE_VARIANT, items, 2));
}

static void
give_token (Fixture    *fx,
            guint32     id,
            const char *token)
{
  GVariant *items[] = { g_variant_new_variant (g_variant_new_uint32 (id)),
                        g_variant_new_variant (g_variant_new_string (token)) };

  mock_emit (fx, "ActivationToken", "us", g_variant_new_array (G_VARIANT_TYPE_VARIANT, items, 2));
}

/* --- the recorder that stands in for the app --- */

static void
app_method_call (GDBusConnection       *connection,
                 const char            *sender,
                 const char            *object_path,
                 const char            *interface_name,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  Fixture *fx = user_data;

  const char *action = NULL;

  g_ptr_array_add (fx->app_calls, g_variant_ref_sink (g_variant_new ("(s@*)", method_name, parameters)));
  /* Plays an app without app.show-server, as GApplication answers that. */
  if (g_str_equal (method_name, "ActivateAction"))
    g_variant_get_child (parameters, 0, "&s", &action);
  if (g_strcmp0 (action, "show-server") == 0)
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                           "Unknown action ‘show-server’");
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable app_vtable = { app_method_call, NULL, NULL, { NULL, } };

static void
app_name_acquired (GDBusConnection *connection,
                   const char      *name,
                   gpointer         user_data)
{
  ((Fixture *) user_data)->app_name_owned = TRUE;
}

static gboolean
app_is_up (Fixture *fx, gconstpointer data)
{
  return fx->app_name_owned;
}

static gboolean
has_n_app_calls (Fixture *fx, gconstpointer data)
{
  return fx->app_calls->len >= GPOINTER_TO_UINT (data);
}

static void
start_app_recorder (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (app_xml, &error);
  g_autofree char *address = NULL;

  g_assert_no_error (error);
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fx->app_bus = g_dbus_connection_new_for_address_sync (address,
                                                        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                        NULL, NULL, &error);
  g_assert_no_error (error);
  fx->app_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  fx->app_object = g_dbus_connection_register_object (fx->app_bus, "/io/github/cmatoken",
                                                      info->interfaces[0], &app_vtable,
                                                      fx, NULL, &error);
  g_assert_no_error (error);
  fx->app_name = g_bus_own_name_on_connection (fx->app_bus, "io.github.cmatoken",
                                               G_BUS_NAME_OWNER_FLAGS_NONE,
                                               app_name_acquired, NULL, fx, NULL);
  wait_until (fx, app_is_up, NULL, "the app recorder's name");
}

/* --- fixture --- */

static CmtdNotifier *
new_notifier (Fixture *fx)
{
  return cmtd_notifier_new (fx->bus, fx->state_path);
}

/* Drops the notifier the way the daemon does at exit, and lets the
 * cancelled calls come back. */
static void
drop_notifier (Fixture *fx)
{
  g_clear_object (&fx->notifier);
  spin (50);
}

static void
setup (Fixture       *fx,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean with_mock = GPOINTER_TO_INT (data);

  fx->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fx->tmpdir = g_dir_make_tmp ("test-notifier-XXXXXX", &error);
  g_assert_no_error (error);
  /* In a directory that does not exist yet: the notifier makes it. */
  fx->state_path = g_build_filename (fx->tmpdir, "state", "notifications.ini", NULL);

  fx->settings = g_settings_new ("io.github.cmatoken");
  g_settings_set_boolean (fx->settings, "notifications-enabled", TRUE);

  start_app_recorder (fx);
  if (with_mock)
    start_mock (fx);
  fx->notifier = new_notifier (fx);
}

static void
teardown (Fixture       *fx,
          gconstpointer  data)
{
  g_autofree char *state_dir = g_path_get_dirname (fx->state_path);

  drop_notifier (fx);
  stop_mock (fx);

  g_bus_unown_name (fx->app_name);
  g_dbus_connection_unregister_object (fx->app_bus, fx->app_object);
  g_dbus_connection_close_sync (fx->app_bus, NULL, NULL);
  g_clear_object (&fx->app_bus);
  g_clear_pointer (&fx->app_calls, g_ptr_array_unref);

  g_settings_set_boolean (fx->settings, "notifications-enabled", TRUE);
  g_settings_sync ();
  g_clear_object (&fx->settings);

  g_unlink (fx->state_path);
  g_rmdir (state_dir);
  g_rmdir (fx->tmpdir);
  g_free (fx->state_path);
  g_free (fx->tmpdir);
  g_clear_object (&fx->bus);
}

/* --- events --- */

static void
post_connection (Fixture    *fx,
                 CmtdEvent   event,
                 const char *id,
                 const char *product,
                 const char *host,
                 gint64      expires_at,
                 const char *error_message)
{
  g_autofree char *url = g_strdup_printf ("https://%s", host);
  CmtdEventInfo info = {
    .kind = CMTD_SUBJECT_CONNECTION,
    .object_id = id,
    .product = product,
    .server_url = url,
    .cloud_site_url = "https://acme.atlassian.net",
    .expires_at = expires_at,
    .error_message = error_message,
  };

  cmtd_notifier_post (fx->notifier, event, &info);
}

static void
post_expiring (Fixture    *fx,
               const char *id,
               const char *host,
               gint64      expires_at)
{
  post_connection (fx, CMTD_EVENT_EXPIRING, id, "jira", host, expires_at, NULL);
}

static void
assert_notify_mentions (Fixture    *fx,
                        guint       i,
                        const char *text)
{
  g_autoptr(Notification) n = get_notify (fx, i);

  if (strstr (n->summary, text) == NULL)
    g_error ("Notify #%u (\"%s\") does not mention \"%s\"", i, n->summary, text);
}

/* --- tests --- */

static void
test_expiring_once (Fixture       *fx,
                    gconstpointer  data)
{
  gint64 expires = now () + 5 * DAY - 3600;
  g_autofree char *date = cmt_expiry_format_date (expires);
  g_autoptr(Notification) n = NULL;
  const char *s;

  post_expiring (fx, "c1", "jira.example.com", expires);
  wait_for_notify (fx, 1);

  n = get_notify (fx, 0);
  g_assert_cmpstr (n->summary, ==, "The JCMA token for jira.example.com expires in 5 days");
  g_assert_nonnull (strstr (n->body, "acme.atlassian.net"));
  g_assert_nonnull (strstr (n->body, date));
  g_assert_cmpuint (n->replaces_id, ==, 0);
  g_assert_cmpstr (n->icon, ==, "io.github.cmatoken");
  g_assert_cmpstr (n->app_name, ==, "Cloud Migration Tokens");
  g_assert_cmpint (n->timeout, ==, -1);
  g_assert_true (g_variant_lookup (n->hints, "desktop-entry", "&s", &s));
  g_assert_cmpstr (s, ==, "io.github.cmatoken");
  g_assert_true (g_variant_lookup (n->hints, "category", "&s", &s));
  g_assert_cmpstr (s, ==, "x-cmatoken.expiring");
  g_assert_cmpuint (hint_urgency (n), ==, 1);
  g_assert_true (has_action (n, "default"));
  g_assert_true (has_action (n, "renew"));
  g_assert_true (has_action (n, "later"));

  /* Posted again: nothing. A second object afterwards shows that the
   * notifier did process it. */
  post_expiring (fx, "c1", "jira.example.com", expires);
  post_connection (fx, CMTD_EVENT_EXPIRING, "c2", "confluence", "wiki.example.com", expires, NULL);
  wait_for_notify (fx, 2);
  assert_notify_mentions (fx, 1, "The CCMA token for wiki.example.com");

  /* A restart of the service: still announced. */
  drop_notifier (fx);
  g_assert_true (g_file_test (fx->state_path, G_FILE_TEST_EXISTS));
  fx->notifier = new_notifier (fx);
  post_expiring (fx, "c1", "jira.example.com", expires);
  post_expiring (fx, "c3", "jira3.example.com", expires);
  wait_for_notify (fx, 3);
  assert_notify_mentions (fx, 2, "jira3.example.com");
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 3);
}

static void
test_state_file_private (Fixture       *fx,
                         gconstpointer  data)
{
  GStatBuf st;

  post_expiring (fx, "c1", "jira.example.com", now () + 2 * DAY);
  wait_for_notify (fx, 1);
  drop_notifier (fx);
  g_assert_cmpint (g_stat (fx->state_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_expired_replaces (Fixture       *fx,
                       gconstpointer  data)
{
  gint64 expires = now () + 2 * DAY;
  g_autoptr(Notification) first = NULL;
  g_autoptr(Notification) second = NULL;
  g_autoptr(Notification) third = NULL;

  post_expiring (fx, "c1", "jira.example.com", expires);
  wait_for_notify (fx, 1);
  first = get_notify (fx, 0);

  /* A restart in between: the id is still the server's. */
  drop_notifier (fx);
  fx->notifier = new_notifier (fx);

  post_connection (fx, CMTD_EVENT_EXPIRED, "c1", "jira", "jira.example.com", expires, NULL);
  wait_for_notify (fx, 2);
  second = get_notify (fx, 1);
  g_assert_cmpstr (second->summary, ==, "The JCMA token for jira.example.com has expired");
  /* The mock numbers its notifications from 1. */
  g_assert_cmpuint (second->replaces_id, ==, 1);
  g_assert_cmpuint (hint_urgency (second), ==, 2);
  g_assert_true (has_action (second, "renew"));

  /* Renewed by hand: the service resolves it. */
  cmtd_notifier_resolve (fx->notifier, "c1");
  wait_until (fx, has_n_close, GUINT_TO_POINTER (1), "CloseNotification");
  g_assert_cmpint (get_closed_id (fx, 0), ==, 1);

  /* Forgotten: the next problem is news again, in a new notification. */
  post_expiring (fx, "c1", "jira.example.com", expires);
  wait_for_notify (fx, 3);
  third = get_notify (fx, 2);
  g_assert_cmpuint (third->replaces_id, ==, 0);
  assert_notify_mentions (fx, 2, "expires in 2 days");
}

static void
test_renewed (Fixture       *fx,
              gconstpointer  data)
{
  gint64 expires = now () + 3 * DAY;
  gint64 renewed = now () + 21 * DAY;
  g_autofree char *date = cmt_expiry_format_date (renewed);
  g_autoptr(Notification) n = NULL;
  g_autoptr(Notification) failed = NULL;
  g_autoptr(Notification) again = NULL;

  post_expiring (fx, "c1", "jira.example.com", expires);
  wait_for_notify (fx, 1);

  /* Automatic renewal: its good news replaces the warning. */
  post_connection (fx, CMTD_EVENT_RENEWED, "c1", "jira", "jira.example.com", renewed, NULL);
  wait_for_notify (fx, 2);
  n = get_notify (fx, 1);
  g_assert_cmpstr (n->summary, ==, "The JCMA token for jira.example.com was renewed automatically");
  g_assert_nonnull (strstr (n->body, date));
  g_assert_cmpuint (n->replaces_id, ==, 1);
  g_assert_cmpuint (hint_urgency (n), ==, 0);
  g_assert_false (has_action (n, "renew"));

  /* A failed renewal says why. */
  post_connection (fx, CMTD_EVENT_RENEW_FAILED, "c2", "confluence", "wiki.example.com",
                   now () + 2 * DAY, "The cloud site refused the API token.");
  wait_for_notify (fx, 3);
  failed = get_notify (fx, 2);
  g_assert_cmpstr (failed->summary, ==, "The CCMA token for wiki.example.com could not be renewed automatically");
  g_assert_nonnull (strstr (failed->body, "The cloud site refused the API token."));
  g_assert_true (has_action (failed, "renew"));
  g_assert_cmpuint (hint_urgency (failed), ==, 1);

  /* Resolving leaves good news on screen and closes the problem. */
  cmtd_notifier_resolve (fx->notifier, "c1");
  cmtd_notifier_resolve (fx->notifier, "c2");
  wait_until (fx, has_n_close, GUINT_TO_POINTER (1), "CloseNotification");
  g_assert_cmpint (get_closed_id (fx, 0), ==, 2);

  /* The next renewal (a new expiry date) is news again, once. */
  post_connection (fx, CMTD_EVENT_RENEWED, "c1", "jira", "jira.example.com", renewed + 21 * DAY, NULL);
  post_connection (fx, CMTD_EVENT_RENEWED, "c1", "jira", "jira.example.com", renewed + 21 * DAY, NULL);
  wait_for_notify (fx, 4);
  again = get_notify (fx, 3);
  g_assert_cmpuint (again->replaces_id, ==, 1);
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 4);
  g_assert_cmpuint (n_mock_calls (fx, "CloseNotification"), ==, 1);
}

static void
test_credentials (Fixture       *fx,
                  gconstpointer  data)
{
  CmtdEventInfo account = {
    .kind = CMTD_SUBJECT_CLOUD_ACCOUNT,
    .object_id = "a1",
    .cloud_site_url = "https://acme.atlassian.net",
    .email = "admin@example.com",
    .expires_at = now () + 10 * DAY - 60,
  };
  CmtdEventInfo server = {
    .kind = CMTD_SUBJECT_SERVER,
    .object_id = "s1",
    .product = "jira",
    .server_url = "https://jira.example.com",
    .expires_at = now () - DAY,
  };
  CmtdEventInfo refused = {
    .kind = CMTD_SUBJECT_SERVER,
    .object_id = "s2",
    .product = "confluence",
    .server_url = "https://example.com/wiki",
    /* The service's error says what to do in a dialog; the notification has its own advice. */
    .error_message = "The server example.com did not accept the personal access token. It may be "
                     "mistyped, expired or revoked: create a new one in your profile on the server "
                     "and enter it again.",
  };
  g_autoptr(Notification) a = NULL;
  g_autoptr(Notification) s = NULL;
  g_autoptr(Notification) r = NULL;

  cmtd_notifier_post (fx->notifier, CMTD_EVENT_EXPIRING, &account);
  wait_for_notify (fx, 1);
  cmtd_notifier_post (fx->notifier, CMTD_EVENT_EXPIRED, &server);
  wait_for_notify (fx, 2);
  cmtd_notifier_post (fx->notifier, CMTD_EVENT_INVALID, &refused);
  wait_for_notify (fx, 3);

  a = get_notify (fx, 0);
  g_assert_cmpstr (a->summary, ==, "The Atlassian API token of admin@example.com expires in 10 days");
  g_assert_nonnull (strstr (a->body, "acme.atlassian.net"));
  g_assert_true (has_action (a, "show"));
  g_assert_false (has_action (a, "renew"));
  g_assert_cmpuint (hint_urgency (a), ==, 1);

  s = get_notify (fx, 1);
  g_assert_cmpstr (s->summary, ==, "The credential for jira.example.com has expired");
  g_assert_cmpuint (hint_urgency (s), ==, 2);

  r = get_notify (fx, 2);
  g_assert_cmpstr (r->summary, ==, "The credential for example.com/wiki was refused");
  /* The cause, then one piece of advice: not the error's own advice too. */
  g_assert_cmpstr (r->body, ==, "The server example.com did not accept the personal access token.\n"
                                "Replace the credential in cmatoken.");
  g_assert_cmpuint (hint_urgency (r), ==, 2);
}

static void
test_cause (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "The server jira.example.com did not accept the personal access token. It may be mistyped: enter it again.",
      "The server jira.example.com did not accept the personal access token." },
    { "サーバー jira.example.com で個人用アクセス トークンが受け付けられませんでした。入力ミスが考えられます。",
      "サーバー jira.example.com で個人用アクセス トークンが受け付けられませんでした。" },
    { "Create one at id.atlassian.com. Then enter it.", "Create one at id.atlassian.com." },
    { "One sentence only.", "One sentence only." },
    { "No full stop", "No full stop" },
    { "", "No reason was given." },
    { NULL, "No reason was given." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *cause = cmtd_notifier_cause (cases[i].in);
      g_assert_cmpstr (cause, ==, cases[i].out);
    }
}

static gboolean
app_call_is (GVariant   *call,
             const char *method,
             const char *action,
             const char *target)
{
  const char *name;
  g_autoptr(GVariant) params = NULL;

  g_variant_get (call, "(&s@*)", &name, &params);
  if (!g_str_equal (name, method))
    return FALSE;
  if (action != NULL)
    {
      const char *got_action;
      g_autoptr(GVariant) targets = NULL;
      g_autoptr(GVariant) platform = NULL;
      g_autoptr(GVariant) first = NULL;
      g_autoptr(GVariant) value = NULL;

      g_variant_get (params, "(&s@av@a{sv})", &got_action, &targets, &platform);
      if (!g_str_equal (got_action, action) || g_variant_n_children (targets) != 1)
        return FALSE;
      first = g_variant_get_child_value (targets, 0);
      value = g_variant_get_variant (first);
      return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
             g_str_equal (g_variant_get_string (value, NULL), target);
    }
  return TRUE;
}

static char *
app_call_token (GVariant *call)
{
  g_autoptr(GVariant) params = g_variant_get_child_value (call, 1);
  g_autoptr(GVariant) platform = g_variant_get_child_value (params, g_variant_n_children (params) - 1);
  char *token = NULL;

  if (!g_variant_lookup (platform, "activation-token", "s", &token))
    return NULL;
  return token;
}

static void
test_actions (Fixture       *fx,
              gconstpointer  data)
{
  CmtdEventInfo account = {
    .kind = CMTD_SUBJECT_CLOUD_ACCOUNT,
    .object_id = "a1",
    .cloud_site_url = "https://acme.atlassian.net",
    .email = "admin@example.com",
    .error_message = "The cloud site refused the API token.",
  };
  CmtdEventInfo server = {
    .kind = CMTD_SUBJECT_SERVER,
    .object_id = "s1",
    .product = "jira",
    .server_url = "https://jira.example.com",
    .error_message = "The server refused the password.",
  };
  g_autofree char *token = NULL;

  post_expiring (fx, "c1", "jira.example.com", now () + 4 * DAY);
  wait_for_notify (fx, 1);
  cmtd_notifier_post (fx->notifier, CMTD_EVENT_INVALID, &account);
  wait_for_notify (fx, 2);

  /* "Later" does nothing; a stranger's id neither. */
  click (fx, 1, "later");
  click (fx, 99, "renew");
  give_token (fx, 1, "token-for-renew");
  click (fx, 1, "renew");
  wait_until (fx, has_n_app_calls, GUINT_TO_POINTER (1), "ActivateAction");
  g_assert_true (app_call_is (fx->app_calls->pdata[0], "ActivateAction", "renew-connection", "c1"));
  token = app_call_token (fx->app_calls->pdata[0]);
  g_assert_cmpstr (token, ==, "token-for-renew");

  click (fx, 1, "default");
  wait_until (fx, has_n_app_calls, GUINT_TO_POINTER (2), "ActivateAction");
  g_assert_true (app_call_is (fx->app_calls->pdata[1], "ActivateAction", "show-connection", "c1"));
  g_clear_pointer (&token, g_free);
  token = app_call_token (fx->app_calls->pdata[1]);
  g_assert_null (token);

  click (fx, 2, "show");
  wait_until (fx, has_n_app_calls, GUINT_TO_POINTER (3), "ActivateAction");
  g_assert_true (app_call_is (fx->app_calls->pdata[2], "ActivateAction", "show-cloud-account", "a1"));

  /* An app that does not know the action is opened all the same. */
  cmtd_notifier_post (fx->notifier, CMTD_EVENT_INVALID, &server);
  wait_for_notify (fx, 3);
  click (fx, 3, "default");
  wait_until (fx, has_n_app_calls, GUINT_TO_POINTER (5), "Activate");
  g_assert_true (app_call_is (fx->app_calls->pdata[3], "ActivateAction", "show-server", "s1"));
  g_assert_true (app_call_is (fx->app_calls->pdata[4], "Activate", NULL, NULL));

  spin (300);
  g_assert_cmpuint (fx->app_calls->len, ==, 5);
}

static void
test_summary (Fixture       *fx,
              gconstpointer  data)
{
  gint64 expires = now () + 4 * DAY - 3600;
  g_autoptr(Notification) n = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *host = g_strdup_printf ("jira%u.example.com", i);
      post_expiring (fx, id, host, expires + i);
    }
  wait_for_notify (fx, 1);
  n = get_notify (fx, 0);
  g_assert_cmpstr (n->summary, ==, "4 migration tokens expire this week");
  lines = g_strsplit (n->body, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, "The JCMA token for jira1.example.com expires in 4 days");
  g_assert_true (has_action (n, "default"));
  g_assert_cmpuint (hint_urgency (n), ==, 1);

  /* Each was recorded as announced. */
  post_expiring (fx, "c2", "jira2.example.com", expires + 2);
  post_expiring (fx, "c5", "jira5.example.com", expires);
  wait_for_notify (fx, 2);
  assert_notify_mentions (fx, 1, "The JCMA token for jira5.example.com");

  /* Clicking the summary opens the app. */
  click (fx, 1, "default");
  wait_until (fx, has_n_app_calls, GUINT_TO_POINTER (1), "Activate");
  g_assert_true (app_call_is (fx->app_calls->pdata[0], "Activate", NULL, NULL));

  /* Many expired at once: one more summary; a long list is cut short. */
  for (guint i = 10; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *host = g_strdup_printf ("jira%u.example.com", i);
      post_connection (fx, CMTD_EVENT_EXPIRED, id, "jira", host, now () - DAY, NULL);
    }
  wait_for_notify (fx, 3);
  {
    g_autoptr(Notification) expired = get_notify (fx, 2);
    g_auto(GStrv) expired_lines = g_strsplit (expired->body, "\n", -1);

    g_assert_cmpstr (expired->summary, ==, "10 migration tokens have expired");
    g_assert_cmpuint (hint_urgency (expired), ==, 2);
    g_assert_cmpuint (g_strv_length (expired_lines), ==, 6);
    g_assert_cmpstr (expired_lines[5], ==, "…and 5 more");
  }
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 3);
}

static void
test_no_server (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(Notification) a = NULL;
  g_autoptr(Notification) b = NULL;
  g_autofree char *summaries = NULL;

  g_assert_null (fx->mock);
  post_expiring (fx, "c1", "jira1.example.com", now () + 3 * DAY);
  spin (800);
  g_assert_cmpuint (cmtd_notifier_get_n_pending (fx->notifier), ==, 1);

  /* Not delivered yet, and kept across a restart. */
  drop_notifier (fx);
  fx->notifier = new_notifier (fx);
  g_assert_cmpuint (cmtd_notifier_get_n_pending (fx->notifier), ==, 1);
  post_expiring (fx, "c2", "jira2.example.com", now () + 3 * DAY);
  spin (800);
  g_assert_cmpuint (cmtd_notifier_get_n_pending (fx->notifier), ==, 2);

  start_mock (fx);
  wait_for_notify (fx, 2);
  a = get_notify (fx, 0);
  b = get_notify (fx, 1);
  summaries = g_strjoin ("|", a->summary, b->summary, NULL);
  g_assert_nonnull (strstr (summaries, "jira1.example.com"));
  g_assert_nonnull (strstr (summaries, "jira2.example.com"));

  /* The server goes and comes back: nothing is said twice. */
  stop_mock (fx);
  start_mock (fx);
  post_expiring (fx, "c3", "jira3.example.com", now () + 3 * DAY);
  wait_for_notify (fx, 1);
  assert_notify_mentions (fx, 0, "jira3.example.com");
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 1);
}

static void
test_disabled (Fixture       *fx,
               gconstpointer  data)
{
  g_settings_set_boolean (fx->settings, "notifications-enabled", FALSE);
  post_expiring (fx, "c1", "jira1.example.com", now () + 3 * DAY);
  g_assert_cmpuint (cmtd_notifier_get_n_pending (fx->notifier), ==, 0);
  spin (800);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 0);

  /* Turned on again: what was not shown was not recorded either. */
  g_settings_set_boolean (fx->settings, "notifications-enabled", TRUE);
  post_expiring (fx, "c2", "jira2.example.com", now () + 3 * DAY);
  wait_for_notify (fx, 1);
  assert_notify_mentions (fx, 0, "jira2.example.com");
  post_expiring (fx, "c1", "jira1.example.com", now () + 3 * DAY);
  wait_for_notify (fx, 2);
  assert_notify_mentions (fx, 1, "jira1.example.com");
}

static void
test_forget (Fixture       *fx,
             gconstpointer  data)
{
  gint64 expires = now () + 2 * DAY;

  post_expiring (fx, "c1", "jira1.example.com", expires);
  wait_for_notify (fx, 1);
  cmtd_notifier_forget (fx->notifier, "c1");
  wait_until (fx, has_n_close, GUINT_TO_POINTER (1), "CloseNotification");
  g_assert_cmpint (get_closed_id (fx, 0), ==, 1);

  /* Resolved or forgotten before it was delivered: never shown. */
  post_expiring (fx, "c2", "jira2.example.com", expires);
  cmtd_notifier_resolve (fx->notifier, "c2");
  post_expiring (fx, "c3", "jira3.example.com", expires);
  cmtd_notifier_forget (fx->notifier, "c3");
  post_expiring (fx, "c4", "jira4.example.com", expires);
  wait_for_notify (fx, 2);
  assert_notify_mentions (fx, 1, "jira4.example.com");
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 2);
}

static void
test_closed_by_user (Fixture       *fx,
                     gconstpointer  data)
{
  gint64 expires = now () + 2 * DAY;
  GVariant *items[] = { g_variant_new_variant (g_variant_new_uint32 (1)),
                        g_variant_new_variant (g_variant_new_uint32 (2)) };
  g_autoptr(Notification) expired = NULL;

  post_expiring (fx, "c1", "jira1.example.com", expires);
  wait_for_notify (fx, 1);

  /* Dismissed: still announced, but its id is gone. */
  mock_emit (fx, "NotificationClosed", "uu", g_variant_new_array (G_VARIANT_TYPE_VARIANT, items, 2));
  post_expiring (fx, "c1", "jira1.example.com", expires);
  post_connection (fx, CMTD_EVENT_EXPIRED, "c1", "jira", "jira1.example.com", expires, NULL);
  wait_for_notify (fx, 2);
  expired = get_notify (fx, 1);
  g_assert_cmpstr (expired->summary, ==, "The JCMA token for jira1.example.com has expired");
  g_assert_cmpuint (expired->replaces_id, ==, 0);

  /* Resolved: only the notification still on screen is closed. */
  cmtd_notifier_resolve (fx->notifier, "c1");
  wait_until (fx, has_n_close, GUINT_TO_POINTER (1), "CloseNotification");
  g_assert_cmpint (get_closed_id (fx, 0), ==, 2);
  spin (700);
  g_assert_cmpuint (n_mock_calls (fx, "Notify"), ==, 2);
  g_assert_cmpuint (n_mock_calls (fx, "CloseNotification"), ==, 1);
}

static void
test_markup (Fixture       *fx,
             gconstpointer  data)
{
  CmtdEventInfo server = {
    .kind = CMTD_SUBJECT_SERVER,
    .object_id = "s1",
    .product = "jira",
    .server_url = "https://jira.example.com",
    .error_message = "Jira answered <401> & nothing else.",
  };
  g_autoptr(Notification) n = NULL;

  /* A server that reads markup gets the body escaped. */
  start_mock_with (fx, "body body-markup actions");
  cmtd_notifier_post (fx->notifier, CMTD_EVENT_INVALID, &server);
  wait_for_notify (fx, 1);
  n = get_notify (fx, 0);
  g_assert_nonnull (strstr (n->body, "Jira answered &lt;401&gt; &amp; nothing else."));
  g_assert_cmpstr (n->summary, ==, "The credential for jira.example.com was refused");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* The texts are checked in English. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_unsetenv ("CMATOKEN_NOW_OFFSET");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/notifier/cause", test_cause);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL || g_getenv ("CMT_SESSION_DIR") == NULL)
    {
      g_test_skip ("needs a private session bus: run under tests/cmt-session");
      return g_test_run ();
    }

#define ADD(path, func, with_mock) \
  g_test_add (path, Fixture, GINT_TO_POINTER (with_mock), setup, func, teardown)
  ADD ("/notifier/expiring-once", test_expiring_once, TRUE);
  ADD ("/notifier/state-file-private", test_state_file_private, TRUE);
  ADD ("/notifier/expired-replaces", test_expired_replaces, TRUE);
  ADD ("/notifier/renewed", test_renewed, TRUE);
  ADD ("/notifier/credentials", test_credentials, TRUE);
  ADD ("/notifier/actions", test_actions, TRUE);
  ADD ("/notifier/summary", test_summary, TRUE);
  ADD ("/notifier/no-server", test_no_server, FALSE);
  ADD ("/notifier/disabled", test_disabled, TRUE);
  ADD ("/notifier/forget", test_forget, TRUE);
  ADD ("/notifier/closed-by-user", test_closed_by_user, TRUE);
  ADD ("/notifier/markup", test_markup, FALSE);
#undef ADD

  return g_test_run ();
}
