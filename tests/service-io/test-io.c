/* test-io.c: the service's I/O layer against the fake Atlassian on 127.0.0.1 and the real gnome-keyring */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "cmt-error.h"
#include "cmtd-atlassian.h"
#include "cmtd-secrets.h"

/* Distinctive, so that a leak into a message cannot hide. */
#define ADMIN_EMAIL  "admin@example.com"
#define ADMIN_TOKEN  "ATATT-admin-S3cr3t"
#define DEV_EMAIL    "dev@example.com"
#define DEV_TOKEN    "ATATT-dev-S3cr3t"
#define WIKI_EMAIL   "w@example.com"
#define WIKI_TOKEN   "ATATT-wiki-S3cr3t"
#define JIRA_PAT     "jira-pat-S3cr3t"
#define WIKI_PAT     "wiki-pat-S3cr3t"
#define OLD_PAT      "old-pat-S3cr3t"
#define JIRA_USER    "admin"
#define JIRA_PASS    "jira-pass-S3cr3t"
#define WRONG_SECRET "wrong-S3cr3t"

static const char *const all_secrets[] = {
  ADMIN_TOKEN, DEV_TOKEN, WIKI_TOKEN, JIRA_PAT, WIKI_PAT, OLD_PAT, JIRA_PASS, WRONG_SECRET,
  "S3cr3t", NULL,
};

static const char scenario_json[] =
  "{\"auth_token_lifetime_seconds\": 300,"
  " \"sites\": ["
  "  {\"name\": \"acme\", \"confluence_only\": false, \"users\": ["
  "    {\"email\": \"" ADMIN_EMAIL "\", \"api_token\": \"" ADMIN_TOKEN "\", \"display_name\": \"Ada Admin\", \"site_admin\": true},"
  "    {\"email\": \"" DEV_EMAIL "\", \"api_token\": \"" DEV_TOKEN "\", \"display_name\": \"Dev Eloper\", \"site_admin\": false}]},"
  "  {\"name\": \"wikionly\", \"confluence_only\": true, \"users\": ["
  "    {\"email\": \"" WIKI_EMAIL "\", \"api_token\": \"" WIKI_TOKEN "\", \"display_name\": \"Wiki User\", \"site_admin\": true}]}],"
  " \"servers\": ["
  "  {\"name\": \"jira\", \"product\": \"jira\", \"migration_api\": true, \"pats\": [\"" JIRA_PAT "\"],"
  "   \"users\": [{\"username\": \"" JIRA_USER "\", \"password\": \"" JIRA_PASS "\", \"display_name\": \"Jira Admin\"}]},"
  "  {\"name\": \"wiki\", \"product\": \"confluence\", \"migration_api\": true, \"pats\": [\"" WIKI_PAT "\"], \"users\": []},"
  "  {\"name\": \"oldjira\", \"product\": \"jira\", \"migration_api\": false, \"pats\": [\"" OLD_PAT "\"], \"users\": []}]}";

/* ---- the fake Atlassian ---------------------------------------------------------- */

static GSubprocess *fake_process;
static char *fake_base;       /* http://127.0.0.1:PORT */
static char *fake_dir;
static SoupSession *control;  /* for /_fake/…, apart from the client under test */

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
fake_start (void)
{
  const char *binary = g_getenv ("CMT_FAKE_ATLASSIAN");
  g_autofree char *scenario = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  g_assert_nonnull (binary);
  fake_dir = g_dir_make_tmp ("test-io-XXXXXX", &error);
  g_assert_no_error (error);
  scenario = g_build_filename (fake_dir, "scenario.json", NULL);
  g_file_set_contents (scenario, scenario_json, -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* A failed assertion aborts us: the fake must not outlive the test. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  fake_process = g_subprocess_launcher_spawn (launcher, &error, binary, "--scenario", scenario, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fake_process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "READY http://127.0.0.1:"));
  fake_base = g_strdup (line + strlen ("READY "));

  control = soup_session_new ();
}

static void
fake_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *scenario = NULL;

  g_clear_object (&control);
  if (fake_process == NULL)
    return;
  g_subprocess_send_signal (fake_process, SIGTERM);
  g_subprocess_wait (fake_process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&fake_process);
  scenario = g_build_filename (fake_dir, "scenario.json", NULL);
  g_unlink (scenario);
  g_rmdir (fake_dir);
  g_clear_pointer (&fake_dir, g_free);
  g_clear_pointer (&fake_base, g_free);
}

static char *
fake_url (const char *path)
{
  return g_strconcat (fake_base, path, NULL);
}

/* Control requests are synchronous, on their own session: the client under
 * test knows nothing about them. */
static JsonNode *
fake_request (const char *method,
              const char *path,
              const char *json)
{
  g_autofree char *url = fake_url (path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (json != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  body = soup_session_send_and_read (control, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  if (g_bytes_get_size (body) == 0 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

static void
fake_reset (void)
{
  g_autoptr(JsonNode) node = fake_request ("POST", "/_fake/reset", NULL);
}

static void
fake_add_fault (const char *json)
{
  g_autoptr(JsonNode) node = fake_request ("POST", "/_fake/faults", json);
}

static gint64
fake_requests (const char *endpoint)
{
  g_autoptr(JsonNode) state = fake_request ("GET", "/_fake/state", NULL);
  JsonObject *requests = json_object_get_object_member (json_node_get_object (state), "requests");

  return json_object_get_int_member (requests, endpoint);
}

static char *
site_url (const char *name)
{
  g_autofree char *path = g_strconcat ("/site/", name, NULL);
  return fake_url (path);
}

static char *
server_url (const char *name)
{
  g_autofree char *path = g_strconcat ("/server/", name, NULL);
  return fake_url (path);
}

/* ---- helpers ---------------------------------------------------------------------- */

/* Sees every log message, debug ones included, whatever G_MESSAGES_DEBUG
 * says: none may hold a secret. */
static GLogWriterOutput
check_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  gsize i;
  guint j;

  for (i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") != 0 || fields[i].length != -1)
        continue;
      for (j = 0; all_secrets[j] != NULL; j++)
        if (strstr (fields[i].value, all_secrets[j]) != NULL)
          {
            g_printerr ("a log message holds a secret: %s\n", (const char *) fields[i].value);
            g_test_fail ();
          }
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* Every message names the host and never holds a secret. */
static void
assert_error_clean (const GError *error,
                    int           code)
{
  guint i;

  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, CMT_ERROR, code);
  for (i = 0; all_secrets[i] != NULL; i++)
    g_assert_null (strstr (error->message, all_secrets[i]));
}

static void
assert_network_error (const GError *error,
                      int           code)
{
  assert_error_clean (error, code);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
}

static CmtdAtlassian *
new_client (guint max_parallel)
{
  g_autofree char *api = fake_url ("/api");

  fake_reset ();
  return cmtd_atlassian_new (api, max_parallel);
}

static gboolean
check_cloud (CmtdAtlassian *client,
             const char    *site,
             const char    *email,
             const char    *token,
             char         **display_name,
             GError       **error)
{
  g_autofree char *url = site_url (site);
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_atlassian_check_cloud_account_async (client, url, email, token, NULL, store_result, &result);
  return cmtd_atlassian_check_cloud_account_finish (client, wait_for (&result), display_name, error);
}

static gboolean
check_server (CmtdAtlassian *client,
              const char    *product,
              const char    *server,
              const char    *auth_kind,
              const char    *username,
              const char    *secret,
              GCancellable  *cancellable,
              char         **display_name,
              GError       **error)
{
  g_autofree char *url = server_url (server);
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_atlassian_check_server_async (client, product, url, auth_kind, username, secret,
                                     cancellable, store_result, &result);
  return cmtd_atlassian_check_server_finish (client, wait_for (&result), display_name, error);
}

static char *
create_token (CmtdAtlassian *client,
              const char    *site,
              const char    *email,
              const char    *api_token,
              GError       **error)
{
  g_autofree char *url = site_url (site);
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_atlassian_create_auth_token_async (client, url, email, api_token, NULL, store_result, &result);
  return cmtd_atlassian_create_auth_token_finish (client, wait_for (&result), error);
}

static gboolean
save_token (CmtdAtlassian *client,
            const char    *server,
            const char    *secret,
            const char    *site,
            const char    *token,
            GError       **error)
{
  g_autofree char *url = server_url (server);
  g_autofree char *cloud = site_url (site);
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_atlassian_save_token_async (client, url, "pat", NULL, secret, cloud, token,
                                   NULL, store_result, &result);
  return cmtd_atlassian_save_token_finish (client, wait_for (&result), error);
}

/* ---- the Atlassian client ---------------------------------------------------------- */

static void
test_cloud_ok (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  g_assert_true (check_cloud (client, "acme", ADMIN_EMAIL, ADMIN_TOKEN, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Ada Admin");
  g_assert_cmpint (fake_requests ("cloud-myself"), ==, 1);
}

static void
test_cloud_unauthorized (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  g_assert_false (check_cloud (client, "acme", ADMIN_EMAIL, WRONG_SECRET, &name, &error));
  assert_network_error (error, CMT_ERROR_CLOUD_AUTH_FAILED);
  g_assert_null (name);
  g_clear_error (&error);

  g_assert_false (check_cloud (client, "acme", "nobody@example.com", ADMIN_TOKEN, NULL, &error));
  assert_network_error (error, CMT_ERROR_CLOUD_AUTH_FAILED);
}

static void
test_cloud_confluence_only (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  g_assert_true (check_cloud (client, "wikionly", WIKI_EMAIL, WIKI_TOKEN, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Wiki User");
  /* The Jira path first, then the Confluence one. */
  g_assert_cmpint (fake_requests ("cloud-myself"), ==, 2);

  g_assert_false (check_cloud (client, "wikionly", WIKI_EMAIL, WRONG_SECRET, NULL, &error));
  assert_network_error (error, CMT_ERROR_CLOUD_AUTH_FAILED);
}

static void
test_cloud_bad_input (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Plain http to a host that is not loopback would carry the token in clear. */
  cmtd_atlassian_check_cloud_account_async (client, "http://acme.example.com", ADMIN_EMAIL, ADMIN_TOKEN,
                                            NULL, store_result, &result);
  g_assert_false (cmtd_atlassian_check_cloud_account_finish (client, wait_for (&result), NULL, &error));
  assert_error_clean (error, CMT_ERROR_INVALID_ARGUMENT);
  g_clear_object (&result);
  g_clear_error (&error);

  g_assert_false (check_cloud (client, "acme", ADMIN_EMAIL, "", NULL, &error));
  assert_error_clean (error, CMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (fake_requests ("cloud-myself"), ==, 0);

  /* Neither the Jira nor the Confluence API answers there. */
  g_assert_false (check_cloud (client, "nosuchsite", ADMIN_EMAIL, ADMIN_TOKEN, NULL, &error));
  assert_network_error (error, CMT_ERROR_NOT_SUPPORTED);
}

static void
test_server_ok (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  char *name = NULL;

  g_assert_true (check_server (client, "jira", "jira", "pat", NULL, JIRA_PAT, NULL, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Jira Admin");
  g_clear_pointer (&name, g_free);

  g_assert_true (check_server (client, "jira", "jira", "basic", JIRA_USER, JIRA_PASS, NULL, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "Jira Admin");
  g_clear_pointer (&name, g_free);

  g_assert_true (check_server (client, "confluence", "wiki", "pat", NULL, WIKI_PAT, NULL, &name, &error));
  g_assert_no_error (error);
  g_assert_nonnull (name);
  g_clear_pointer (&name, g_free);

  g_assert_cmpint (fake_requests ("server-myself"), ==, 3);
}

static void
test_server_unauthorized (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;

  g_assert_false (check_server (client, "jira", "jira", "pat", NULL, WRONG_SECRET, NULL, NULL, &error));
  assert_network_error (error, CMT_ERROR_SERVER_AUTH_FAILED);
  g_clear_error (&error);

  g_assert_false (check_server (client, "jira", "jira", "basic", JIRA_USER, WRONG_SECRET, NULL, NULL, &error));
  assert_network_error (error, CMT_ERROR_SERVER_AUTH_FAILED);
  g_clear_error (&error);

  /* A PAT of another server. */
  g_assert_false (check_server (client, "confluence", "wiki", "pat", NULL, JIRA_PAT, NULL, NULL, &error));
  assert_network_error (error, CMT_ERROR_SERVER_AUTH_FAILED);
  g_clear_error (&error);

  g_assert_false (check_server (client, "jira", "jira", "kerberos", NULL, JIRA_PAT, NULL, NULL, &error));
  assert_error_clean (error, CMT_ERROR_INVALID_ARGUMENT);
}

static void
test_token (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  char *token;

  token = create_token (client, "acme", ADMIN_EMAIL, ADMIN_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >, 0);
  cmtd_atlassian_secret_free (token);

  token = create_token (client, "acme", ADMIN_EMAIL, WRONG_SECRET, &error);
  g_assert_null (token);
  assert_network_error (error, CMT_ERROR_CLOUD_AUTH_FAILED);
  g_clear_error (&error);

  /* A valid user who is not a site admin. */
  token = create_token (client, "acme", DEV_EMAIL, DEV_TOKEN, &error);
  g_assert_null (token);
  assert_network_error (error, CMT_ERROR_CLOUD_AUTH_FAILED);
  g_clear_error (&error);

  g_assert_cmpint (fake_requests ("token"), ==, 3);
}

static gboolean
server_holds (const char *server,
              const char *cloud_url)
{
  g_autoptr(JsonNode) state = fake_request ("GET", "/_fake/state", NULL);
  JsonObject *servers = json_object_get_object_member (json_node_get_object (state), "servers");
  JsonArray *holds = json_object_get_array_member (json_object_get_object_member (servers, server), "holds");
  guint i;

  for (i = 0; i < json_array_get_length (holds); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (holds, i), "cloudUrl"),
                   cloud_url) == 0)
      return TRUE;
  return FALSE;
}

static void
test_save (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *cloud = site_url ("acme");
  char *token;

  g_assert_false (server_holds ("jira", cloud));
  token = create_token (client, "acme", ADMIN_EMAIL, ADMIN_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_true (save_token (client, "jira", JIRA_PAT, "acme", token, &error));
  g_assert_no_error (error);
  g_assert_true (server_holds ("jira", cloud));

  /* Basic auth works as well. */
  {
    g_autofree char *url = server_url ("jira");
    g_autoptr(GAsyncResult) result = NULL;
    char *token2 = create_token (client, "acme", ADMIN_EMAIL, ADMIN_TOKEN, &error);

    g_assert_no_error (error);
    cmtd_atlassian_save_token_async (client, url, "basic", JIRA_USER, JIRA_PASS, cloud, token2,
                                     NULL, store_result, &result);
    g_assert_true (cmtd_atlassian_save_token_finish (client, wait_for (&result), &error));
    g_assert_no_error (error);
    cmtd_atlassian_secret_free (token2);
  }

  /* A token the fake never issued: "Exception in saving token." */
  g_assert_false (save_token (client, "jira", JIRA_PAT, "acme", "not-a-real-token", &error));
  assert_network_error (error, CMT_ERROR_TOKEN_REJECTED);
  g_clear_error (&error);

  /* No migration API: an assistant too old, or none. */
  g_assert_false (save_token (client, "oldjira", OLD_PAT, "acme", token, &error));
  assert_network_error (error, CMT_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "1.12.5"));
  g_assert_nonnull (strstr (error->message, "3.10.8"));
  g_clear_error (&error);

  g_assert_false (save_token (client, "jira", WRONG_SECRET, "acme", token, &error));
  assert_network_error (error, CMT_ERROR_SERVER_AUTH_FAILED);
  g_clear_error (&error);

  cmtd_atlassian_secret_free (token);
}

typedef struct {
  const char *fault;
  int         code;
  const char *in_message;
} FaultCase;

static void
test_fault (gconstpointer user_data)
{
  const FaultCase *fc = user_data;
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  fake_add_fault (fc->fault);
  g_assert_false (check_server (client, "jira", "jira", "pat", NULL, JIRA_PAT, NULL, &name, &error));
  assert_network_error (error, fc->code);
  if (fc->in_message != NULL)
    g_assert_nonnull (strstr (error->message, fc->in_message));
  g_assert_null (name);
  g_clear_error (&error);

  /* The fault is gone: the same client works again (no broken connection kept). */
  g_assert_cmpint (fake_requests ("server-myself"), ==, 1);
  g_assert_true (check_server (client, "jira", "jira", "pat", NULL, JIRA_PAT, NULL, &name, &error));
  g_assert_no_error (error);
}

static void
test_refused (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (4);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Nothing listens on port 1 of the loopback. */
  cmtd_atlassian_check_server_async (client, "jira", "http://127.0.0.1:1/jira", "pat", NULL, JIRA_PAT,
                                     NULL, store_result, &result);
  g_assert_false (cmtd_atlassian_check_server_finish (client, wait_for (&result), NULL, &error));
  assert_network_error (error, CMT_ERROR_NETWORK);
}

static void
test_timeout (void)
{
  g_autoptr(CmtdAtlassian) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_setenv ("CMATOKEN_HTTP_TIMEOUT", "1", TRUE);
  client = new_client (4);
  g_unsetenv ("CMATOKEN_HTTP_TIMEOUT");

  fake_add_fault ("{\"endpoint\": \"token\", \"delay_ms\": 4000, \"count\": 1}");
  token = create_token (client, "acme", ADMIN_EMAIL, ADMIN_TOKEN, &error);
  g_assert_null (token);
  assert_network_error (error, CMT_ERROR_NETWORK);
}

static void
test_cancel (void)
{
  g_autoptr(CmtdAtlassian) client = new_client (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) queued_cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) queued = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = server_url ("jira");

  /* Already cancelled: never sent. */
  g_cancellable_cancel (cancellable);
  g_assert_false (check_server (client, "jira", "jira", "pat", NULL, JIRA_PAT, cancellable, NULL, &error));
  assert_error_clean (error, CMT_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (fake_requests ("server-myself"), ==, 0);

  /* On the wire: the fake holds it, we cancel once it has arrived. */
  fake_add_fault ("{\"endpoint\": \"server-myself\", \"delay_ms\": 60000}");
  g_cancellable_reset (cancellable);
  cmtd_atlassian_check_server_async (client, "jira", url, "pat", NULL, JIRA_PAT, cancellable,
                                     store_result, &first);
  /* With max_parallel 1 this one waits in the queue. */
  cmtd_atlassian_check_server_async (client, "jira", url, "pat", NULL, JIRA_PAT, queued_cancellable,
                                     store_result, &queued);
  while (fake_requests ("server-myself") < 1)
    g_main_context_iteration (NULL, FALSE);

  /* Cancelling the queued one answers at once, while the first still runs. */
  g_cancellable_cancel (queued_cancellable);
  wait_for (&queued);
  g_assert_null (first);
  g_assert_false (cmtd_atlassian_check_server_finish (client, queued, NULL, &error));
  assert_error_clean (error, CMT_ERROR_CANCELLED);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_false (cmtd_atlassian_check_server_finish (client, wait_for (&first), NULL, &error));
  assert_error_clean (error, CMT_ERROR_CANCELLED);
  g_assert_cmpint (fake_requests ("server-myself"), ==, 1);
}

typedef struct {
  CmtdAtlassian *client;
  gint64         baseline;
  guint          completed;
  guint          order[32];
  guint          max_parallel;
  gboolean       check_state;
} ParallelData;

typedef struct {
  ParallelData *pd;
  guint         index;
} ParallelCall;

static void
on_parallel_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ParallelCall *call = user_data;
  ParallelData *pd = call->pd;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  g_assert_true (cmtd_atlassian_check_server_finish (pd->client, result, &name, &error));
  g_assert_no_error (error);
  pd->order[pd->completed++] = call->index;
  if (pd->check_state)
    {
      /* Requests that reached the fake so far: at most the finished ones
       * plus max_parallel (the client sends a new one only when one ends). */
      gint64 arrived = fake_requests ("server-myself") - pd->baseline;

      g_assert_cmpint (arrived, <=, (gint64) pd->completed + pd->max_parallel);
    }
  g_free (call);
}

static void
run_parallel (guint    max_parallel,
              guint    n,
              gboolean check_state,
              guint   *order)
{
  g_autofree char *url = server_url ("jira");
  ParallelData pd = { 0 };
  guint i;

  pd.client = new_client (max_parallel);
  pd.max_parallel = max_parallel;
  pd.check_state = check_state;
  fake_add_fault ("{\"endpoint\": \"server-myself\", \"delay_ms\": 400}");
  pd.baseline = fake_requests ("server-myself");

  for (i = 0; i < n; i++)
    {
      ParallelCall *call = g_new0 (ParallelCall, 1);

      call->pd = &pd;
      call->index = i;
      cmtd_atlassian_check_server_async (pd.client, "jira", url, "pat", NULL, JIRA_PAT, NULL,
                                         on_parallel_done, call);
    }

  if (check_state)
    {
      /* Let the first ones reach the fake; the bound holds at every moment. */
      while (fake_requests ("server-myself") - pd.baseline < max_parallel)
        g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (fake_requests ("server-myself") - pd.baseline, <=,
                       (gint64) pd.completed + max_parallel);
    }

  while (pd.completed < n)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (fake_requests ("server-myself") - pd.baseline, ==, n);
  memcpy (order, pd.order, n * sizeof (guint));
  g_object_unref (pd.client);
}

/* A server that drips a byte every half second never trips an idle timeout:
 * the whole exchange has a deadline, and the slow server holds at most the
 * per-host share of the slots, so a healthy one still gets through. */
typedef struct {
  guint    done;
  guint    failed;
  gboolean healthy_done;
  guint    failed_before_healthy;
  gint64   started;
  gint64   last_failure;
} DripData;

typedef struct {
  DripData      *dd;
  CmtdAtlassian *client;
  gboolean       healthy;
} DripCall;

static void
on_drip_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  DripCall *call = user_data;
  DripData *dd = call->dd;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gboolean ok = cmtd_atlassian_check_server_finish (call->client, result, &name, &error);

  dd->done++;
  if (call->healthy)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      dd->healthy_done = TRUE;
      dd->failed_before_healthy = dd->failed;
    }
  else
    {
      g_assert_false (ok);
      assert_network_error (error, CMT_ERROR_NETWORK);
      g_assert_nonnull (strstr (error->message, "did not answer within 2 seconds"));
      dd->failed++;
      dd->last_failure = g_get_monotonic_time ();
    }
  g_free (call);
}

static void
test_drip (void)
{
  g_autoptr(CmtdAtlassian) client = NULL;
  g_autofree char *jira = server_url ("jira");
  g_autofree char *wiki = server_url ("wiki");
  DripData dd = { 0 };
  const guint n_slow = 6;

  g_setenv ("CMATOKEN_HTTP_TIMEOUT", "2", TRUE);
  client = new_client (4);
  g_unsetenv ("CMATOKEN_HTTP_TIMEOUT");

  fake_add_fault ("{\"endpoint\": \"server-myself\", \"target\": \"jira\", \"body\": \"drip\"}");
  dd.started = g_get_monotonic_time ();
  for (guint i = 0; i <= n_slow; i++)
    {
      DripCall *call = g_new0 (DripCall, 1);

      call->dd = &dd;
      call->client = client;
      call->healthy = i == n_slow;   /* asked last, behind every slow one */
      if (call->healthy)
        cmtd_atlassian_check_server_async (client, "confluence", wiki, "pat", NULL, WIKI_PAT, NULL,
                                           on_drip_done, call);
      else
        cmtd_atlassian_check_server_async (client, "jira", jira, "pat", NULL, JIRA_PAT, NULL,
                                           on_drip_done, call);
    }
  while (dd.done <= n_slow)
    g_main_context_iteration (NULL, TRUE);

  /* The healthy server answered before the first slow one gave up. */
  g_assert_true (dd.healthy_done);
  g_assert_cmpuint (dd.failed_before_healthy, ==, 0);
  g_assert_cmpuint (dd.failed, ==, n_slow);
  /* Every slow one ended by its deadline: 6 on the 2 slots of one host, 3 rounds of 2 s
   * (not the hour the drip would take). */
  g_assert_cmpint ((dd.last_failure - dd.started) / G_USEC_PER_SEC, <, 3 * 2 + 10);
  fake_reset ();
}

static void
test_max_parallel (void)
{
  guint order[20];

  run_parallel (3, 20, TRUE, order);
}

static void
test_fifo (void)
{
  guint order[6];
  guint i;

  /* One at a time: they must finish in the order they were asked. */
  run_parallel (1, G_N_ELEMENTS (order), TRUE, order);
  for (i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpuint (order[i], ==, i);
}

/* ---- the keyring --------------------------------------------------------------------- */

static gboolean
secrets_store (CmtdSecretKind  kind,
               const char     *object_id,
               const char     *slot,
               const char     *secret,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *label = g_strdup_printf ("cmatoken: test item %s/%s", object_id, slot);

  cmtd_secrets_store_async (kind, object_id, slot, label, NULL, secret, NULL, store_result, &result);
  return cmtd_secrets_store_finish (wait_for (&result), error);
}

static char *
secrets_lookup (CmtdSecretKind  kind,
                const char     *object_id,
                const char     *slot,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_secrets_lookup_async (kind, object_id, slot, NULL, store_result, &result);
  return cmtd_secrets_lookup_finish (wait_for (&result), error);
}

static gboolean
secrets_clear (CmtdSecretKind  kind,
               const char     *object_id,
               const char     *slot,
               GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_secrets_clear_async (kind, object_id, slot, NULL, store_result, &result);
  return cmtd_secrets_clear_finish (wait_for (&result), error);
}

static GPtrArray *
secrets_list (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_secrets_list_async (NULL, store_result, &result);
  return cmtd_secrets_list_finish (wait_for (&result), error);
}

static CmtdKeyringState
secrets_state (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cmtd_secrets_get_state_async (NULL, store_result, &result);
  return cmtd_secrets_get_state_finish (wait_for (&result), error);
}

static guint
count_refs (GPtrArray      *refs,
            CmtdSecretKind  kind,
            const char     *object_id,
            const char     *slot)
{
  guint i, n = 0;

  for (i = 0; i < refs->len; i++)
    {
      CmtdSecretRef *ref = g_ptr_array_index (refs, i);

      if (ref->kind == kind && g_str_equal (ref->object_id, object_id) &&
          (slot == NULL || g_str_equal (ref->slot, slot)))
        n++;
    }
  return n;
}

static void
assert_lookup (CmtdSecretKind  kind,
               const char     *object_id,
               const char     *slot,
               const char     *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = secrets_lookup (kind, object_id, slot, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  cmtd_atlassian_secret_free (secret);
}

static void
assert_lookup_fails (CmtdSecretKind  kind,
                     const char     *object_id,
                     const char     *slot,
                     int             code)
{
  g_autoptr(GError) error = NULL;
  char *secret = secrets_lookup (kind, object_id, slot, &error);

  g_assert_null (secret);
  assert_error_clean (error, code);
}

static void ensure_keyring (void);

static void
test_secrets_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  ensure_keyring ();
  g_cancellable_cancel (cancellable);
  cmtd_secrets_store_async (CMTD_SECRET_SERVER, "cancelled", "a", "label", NULL, JIRA_PAT, cancellable,
                            store_result, &result);
  g_assert_false (cmtd_secrets_store_finish (wait_for (&result), &error));
  assert_error_clean (error, CMT_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  cmtd_secrets_lookup_async (CMTD_SECRET_SERVER, "cancelled", "a", cancellable, store_result, &result);
  secret = cmtd_secrets_lookup_finish (wait_for (&result), &error);
  g_assert_null (secret);
  assert_error_clean (error, CMT_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Nothing was stored. */
  assert_lookup_fails (CMTD_SECRET_SERVER, "cancelled", "a", CMT_ERROR_NOT_FOUND);
}

/* The client goes away while its requests still run: they finish, and the
 * client is freed after the last one. */
static void
on_checked_count (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (cmtd_atlassian_check_server_finish (CMTD_ATLASSIAN (source), result, NULL, &error));
  g_assert_no_error (error);
  (*done)++;
}

static void
test_unref_while_running (void)
{
  CmtdAtlassian *client = new_client (1);
  g_autofree char *url = server_url ("jira");
  guint done = 0;

  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &client);
  cmtd_atlassian_check_server_async (client, "jira", url, "pat", NULL, JIRA_PAT, NULL, on_checked_count, &done);
  cmtd_atlassian_check_server_async (client, "jira", url, "pat", NULL, JIRA_PAT, NULL, on_checked_count, &done);
  g_object_unref (client);
  /* The requests hold it. */
  g_assert_nonnull (client);
  while (done < 2)
    g_main_context_iteration (NULL, TRUE);
  while (client != NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_secrets_store_lookup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refs = NULL;

  ensure_keyring ();
  g_assert_cmpint (secrets_state (&error), ==, CMTD_KEYRING_UNLOCKED);
  g_assert_no_error (error);

  assert_lookup_fails (CMTD_SECRET_SERVER, "srv1", "a", CMT_ERROR_NOT_FOUND);

  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "srv1", "a", JIRA_PAT, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_SERVER, "srv1", "a", JIRA_PAT);

  /* Same kind, object and slot: replaced, not doubled. */
  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "srv1", "a", JIRA_PASS, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_SERVER, "srv1", "a", JIRA_PASS);
  refs = secrets_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_SERVER, "srv1", "a"), ==, 1);
  g_clear_pointer (&refs, g_ptr_array_unref);

  /* A second slot, another object, another kind: all apart. */
  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "srv1", "b", WIKI_PAT, &error));
  g_assert_no_error (error);
  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "srv2", "a", OLD_PAT, &error));
  g_assert_no_error (error);
  g_assert_true (secrets_store (CMTD_SECRET_CLOUD_ACCOUNT, "srv1", "a", ADMIN_TOKEN, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_SERVER, "srv1", "a", JIRA_PASS);
  assert_lookup (CMTD_SECRET_SERVER, "srv1", "b", WIKI_PAT);
  assert_lookup (CMTD_SECRET_SERVER, "srv2", "a", OLD_PAT);
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "srv1", "a", ADMIN_TOKEN);

  refs = secrets_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (refs->len, ==, 4);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_SERVER, "srv1", NULL), ==, 2);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_SERVER, "srv1", "b"), ==, 1);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_SERVER, "srv2", "a"), ==, 1);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_CLOUD_ACCOUNT, "srv1", "a"), ==, 1);
  g_clear_pointer (&refs, g_ptr_array_unref);

  /* Clear one slot. */
  g_assert_true (secrets_clear (CMTD_SECRET_SERVER, "srv1", "a", &error));
  g_assert_no_error (error);
  assert_lookup_fails (CMTD_SECRET_SERVER, "srv1", "a", CMT_ERROR_NOT_FOUND);
  assert_lookup (CMTD_SECRET_SERVER, "srv1", "b", WIKI_PAT);
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "srv1", "a", ADMIN_TOKEN);

  /* Clear every slot of an object; clearing nothing is fine. */
  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "srv1", "c", JIRA_PAT, &error));
  g_assert_no_error (error);
  g_assert_true (secrets_clear (CMTD_SECRET_SERVER, "srv1", NULL, &error));
  g_assert_no_error (error);
  assert_lookup_fails (CMTD_SECRET_SERVER, "srv1", "b", CMT_ERROR_NOT_FOUND);
  assert_lookup_fails (CMTD_SECRET_SERVER, "srv1", "c", CMT_ERROR_NOT_FOUND);
  g_assert_true (secrets_clear (CMTD_SECRET_SERVER, "srv1", NULL, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_SERVER, "srv2", "a", OLD_PAT);
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "srv1", "a", ADMIN_TOKEN);

  refs = secrets_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (refs->len, ==, 2);
  g_clear_pointer (&refs, g_ptr_array_unref);

  /* A fresh connection after reset finds the same items. */
  cmtd_secrets_reset ();
  assert_lookup (CMTD_SECRET_SERVER, "srv2", "a", OLD_PAT);

  g_assert_true (secrets_clear (CMTD_SECRET_SERVER, "srv2", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (secrets_clear (CMTD_SECRET_CLOUD_ACCOUNT, "srv1", NULL, &error));
  g_assert_no_error (error);
  refs = secrets_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (refs->len, ==, 0);
}

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

static char *
default_collection_path (GDBusConnection *bus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *path;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&o)", &path);
  g_assert_cmpstr (path, !=, "/");
  return g_strdup (path);
}

static void
lock_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autofree char *collection = default_collection_path (bus);
  const char *paths[] = { collection, NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", paths), G_VARIANT_TYPE ("(aoo)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* gnome-keyring's own way to unlock without a prompt (its test interface). */
static void
unlock_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autofree char *collection = default_collection_path (bus);
  g_autoptr(GVariant) session_reply = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *session;
  static const char password[] = "throwaway";

  session_reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                               "org.freedesktop.Secret.Service", "OpenSession",
                                               g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                               G_VARIANT_TYPE ("(vo)"),
                                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (session_reply, "(v&o)", NULL, &session);

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                                       "UnlockWithMasterPassword",
                                       g_variant_new ("(o(o@ay@ays))", collection, session,
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, password,
                                                                                 strlen (password), 1),
                                                      "text/plain"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
test_secrets_locked (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refs = NULL;

  ensure_keyring ();
  g_assert_true (secrets_store (CMTD_SECRET_SERVER, "locked-srv", "a", JIRA_PAT, &error));
  g_assert_no_error (error);

  lock_keyring ();
  g_assert_cmpint (secrets_state (&error), ==, CMTD_KEYRING_LOCKED);
  g_assert_no_error (error);

  g_assert_false (secrets_store (CMTD_SECRET_SERVER, "locked-srv", "b", JIRA_PASS, &error));
  assert_error_clean (error, CMT_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  assert_lookup_fails (CMTD_SECRET_SERVER, "locked-srv", "a", CMT_ERROR_KEYRING_LOCKED);

  /* Listing works while locked (reconciling at start must not need a password). */
  refs = secrets_list (&error);
  g_assert_no_error (error);
  g_test_message ("listed %u items while locked", refs->len);
  g_assert_cmpuint (count_refs (refs, CMTD_SECRET_SERVER, "locked-srv", "a"), ==, 1);
  g_clear_pointer (&refs, g_ptr_array_unref);

  /* Deleting needs the collection unlocked too. */
  g_assert_false (secrets_clear (CMTD_SECRET_SERVER, "locked-srv", NULL, &error));
  assert_error_clean (error, CMT_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  unlock_keyring ();
  g_assert_cmpint (secrets_state (&error), ==, CMTD_KEYRING_UNLOCKED);
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_SERVER, "locked-srv", "a", JIRA_PAT);
  assert_lookup_fails (CMTD_SECRET_SERVER, "locked-srv", "b", CMT_ERROR_NOT_FOUND);
  g_assert_true (secrets_clear (CMTD_SECRET_SERVER, "locked-srv", NULL, &error));
  g_assert_no_error (error);
}

static guint32
keyring_pid (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
keyring_on_bus (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static void
start_keyring (GDBusConnection *bus)
{
  g_autoptr(GSubprocess) start = NULL;
  g_autoptr(GError) error = NULL;

  start = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "sh", "-c",
                            "printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets",
                            NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (start, NULL, &error);
  g_assert_no_error (error);
  while (!keyring_on_bus (bus))
    g_usleep (20000);
}

/* cmt-session started an unlocked gnome-keyring; when several sessions run
 * at once, another one's clean-up can stop ours (its pkill is not scoped to
 * its bus). Start it again rather than fail for a reason not ours. */
static void
ensure_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();

  if (keyring_on_bus (bus))
    return;
  g_test_message ("gnome-keyring of this session is gone; starting it again");
  cmtd_secrets_reset ();
  start_keyring (bus);
}

/* Stops this session's gnome-keyring (by its pid on our private bus) and
 * starts it again, unlocked, as cmt-session does. */
static void
restart_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  guint32 pid = keyring_pid (bus);

  g_assert_cmpuint (pid, >, 1);
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  while (keyring_on_bus (bus))
    g_usleep (20000);

  start_keyring (bus);
  g_assert_cmpuint (keyring_pid (bus), !=, pid);
}

static void
test_secrets_restart (void)
{
  g_autoptr(GError) error = NULL;

  ensure_keyring ();
  g_assert_true (secrets_store (CMTD_SECRET_CLOUD_ACCOUNT, "restart", "a", ADMIN_TOKEN, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "restart", "a", ADMIN_TOKEN);

  restart_keyring ();

  /* The old connection's session is gone with the old daemon; no call may
   * fail because of that. */
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "restart", "a", ADMIN_TOKEN);
  g_assert_true (secrets_store (CMTD_SECRET_CLOUD_ACCOUNT, "restart", "b", DEV_TOKEN, &error));
  g_assert_no_error (error);
  assert_lookup (CMTD_SECRET_CLOUD_ACCOUNT, "restart", "b", DEV_TOKEN);
  g_assert_true (secrets_clear (CMTD_SECRET_CLOUD_ACCOUNT, "restart", NULL, &error));
  g_assert_no_error (error);
}

/* Run on a bus of our own with no Secret Service at all (GTestDBus). */
static void
test_secrets_unavailable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refs = NULL;

  g_assert_cmpint (secrets_state (&error), ==, CMTD_KEYRING_UNAVAILABLE);
  g_assert_no_error (error);

  g_assert_false (secrets_store (CMTD_SECRET_SERVER, "srv", "a", JIRA_PAT, &error));
  assert_error_clean (error, CMT_ERROR_KEYRING_UNAVAILABLE);
  g_clear_error (&error);
  assert_lookup_fails (CMTD_SECRET_SERVER, "srv", "a", CMT_ERROR_KEYRING_UNAVAILABLE);
  g_assert_false (secrets_clear (CMTD_SECRET_SERVER, "srv", NULL, &error));
  assert_error_clean (error, CMT_ERROR_KEYRING_UNAVAILABLE);
  g_clear_error (&error);
  refs = secrets_list (&error);
  g_assert_null (refs);
  assert_error_clean (error, CMT_ERROR_KEYRING_UNAVAILABLE);
}

static int
run_without_secret_service (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  int ret;

  g_test_add_func ("/secrets/unavailable", test_secrets_unavailable);
  g_test_dbus_up (bus);
  ret = g_test_run ();
  cmtd_secrets_reset ();
  g_test_dbus_down (bus);
  return ret;
}

int
main (int    argc,
      char **argv)
{
  static const FaultCase faults[] = {
    { "{\"endpoint\": \"server-myself\", \"status\": 503, \"count\": 1}", CMT_ERROR_NETWORK, "503" },
    { "{\"endpoint\": \"server-myself\", \"status\": 429, \"count\": 1}", CMT_ERROR_NETWORK, "429" },
    { "{\"endpoint\": \"server-myself\", \"drop\": true, \"count\": 1}", CMT_ERROR_NETWORK, NULL },
    { "{\"endpoint\": \"server-myself\", \"body\": \"malformed\", \"count\": 1}", CMT_ERROR_NETWORK, "cannot read" },
    { "{\"endpoint\": \"server-myself\", \"body\": \"huge\", \"count\": 1}", CMT_ERROR_NETWORK, "too large" },
    /* Never followed, and the admin must act: NotSupported. */
    { "{\"endpoint\": \"server-myself\", \"status\": 302, \"count\": 1}", CMT_ERROR_NOT_SUPPORTED, "redirect" },
    { "{\"endpoint\": \"server-myself\", \"status\": 301, \"location\": \"https://elsewhere.example/x?t=1\", \"count\": 1}",
      CMT_ERROR_NOT_SUPPORTED, "https://elsewhere.example/x" },
    { "{\"endpoint\": \"server-myself\", \"status\": 429, \"retry_after\": \"1\", \"count\": 1}", CMT_ERROR_NETWORK, "wait" },
    { "{\"endpoint\": \"server-myself\", \"status\": 418, \"count\": 1}", CMT_ERROR_FAILED, "418" },
  };
  static const char *const fault_names[] = { "503", "429", "drop", "malformed", "huge", "302", "301-location",
                                             "429-retry-after", "418" };
  int ret;
  guint i;

  g_setenv ("CMATOKEN_ALLOW_INSECURE_LOOPBACK", "1", TRUE);
  g_unsetenv ("CMATOKEN_HTTP_TIMEOUT");
  g_unsetenv ("CMATOKEN_API_BASE_URL");
  /* English messages, for the assertions on their wording. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (check_log_writer, NULL, NULL);

  if (g_strcmp0 (g_getenv ("CMT_TEST_NO_SECRET_SERVICE"), "1") == 0)
    return run_without_secret_service ();

  g_test_add_func ("/atlassian/cloud/ok", test_cloud_ok);
  g_test_add_func ("/atlassian/cloud/unauthorized", test_cloud_unauthorized);
  g_test_add_func ("/atlassian/cloud/confluence-only", test_cloud_confluence_only);
  g_test_add_func ("/atlassian/cloud/bad-input", test_cloud_bad_input);
  g_test_add_func ("/atlassian/server/ok", test_server_ok);
  g_test_add_func ("/atlassian/server/unauthorized", test_server_unauthorized);
  g_test_add_func ("/atlassian/token", test_token);
  g_test_add_func ("/atlassian/save", test_save);
  for (i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *path = g_strconcat ("/atlassian/fault/", fault_names[i], NULL);
      g_test_add_data_func (path, &faults[i], test_fault);
    }
  g_test_add_func ("/atlassian/fault/timeout", test_timeout);
  g_test_add_func ("/atlassian/fault/refused", test_refused);
  g_test_add_func ("/atlassian/cancel", test_cancel);
  g_test_add_func ("/atlassian/max-parallel", test_max_parallel);
  g_test_add_func ("/atlassian/fifo", test_fifo);
  g_test_add_func ("/atlassian/fault/drip", test_drip);
  g_test_add_func ("/atlassian/unref-while-running", test_unref_while_running);
  g_test_add_func ("/secrets/store-lookup", test_secrets_store_lookup);
  g_test_add_func ("/secrets/locked", test_secrets_locked);
  g_test_add_func ("/secrets/cancelled", test_secrets_cancelled);
  g_test_add_func ("/secrets/restart", test_secrets_restart);

  fake_start ();
  ret = g_test_run ();
  fake_stop ();
  cmtd_secrets_reset ();
  return ret;
}
