/* cmtctl-status.c: "cmatokenctl status": every connection, account and server, as a table or JSON */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cmt-error.h"
#include "cmt-expiry.h"
#include "cmt-product.h"
#include "cmt-summary.h"
#include "cmt-url.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"
#include "cmtctl-table.h"

typedef struct {
  CmtctlClient *client;
  gint64        now;
  gint64        warn_before;
  gint64        credential_warn_before;
  guint         n_attention;
  CmtSummary    summary;
  gsize         columns;        /* fit tables into this many; 0: no limit */
  gboolean      attention_only;
} StatusView;

/* What needs the admin first, then what expires soonest. */
static int
status_rank (const char *status)
{
  switch (cmt_status_from_string (status))
    {
    case CMT_STATUS_INVALID:  return 0;
    case CMT_STATUS_EXPIRED:  return 1;
    case CMT_STATUS_EXPIRING: return 2;
    case CMT_STATUS_UNKNOWN:
    case CMT_STATUS_EXPIRY_UNKNOWN: return 3;
    case CMT_STATUS_VALID:
    default:                  return 4;
    }
}

static int
compare_connections (gconstpointer a,
                     gconstpointer b)
{
  CmtConnection *ca = cmt_object_peek_connection ((CmtObject *) a);
  CmtConnection *cb = cmt_object_peek_connection ((CmtObject *) b);
  gint64 ea, eb;

  if (cmt_connection_get_attention_needed (ca) != cmt_connection_get_attention_needed (cb))
    return cmt_connection_get_attention_needed (ca) ? -1 : 1;
  if (status_rank (cmt_connection_get_status (ca)) != status_rank (cmt_connection_get_status (cb)))
    return status_rank (cmt_connection_get_status (ca)) - status_rank (cmt_connection_get_status (cb));
  ea = cmt_connection_get_expires_at (ca);
  eb = cmt_connection_get_expires_at (cb);
  if (ea != eb)
    return ea < eb ? -1 : 1;
  return g_strcmp0 (g_dbus_object_get_object_path ((GDBusObject *) a),
                    g_dbus_object_get_object_path ((GDBusObject *) b));
}

static const char *
attention_mark (gboolean attention)
{
  return attention ? "!" : "";
}

static const char *
on_off (gboolean on)
{
  /* Translators: whether automatic renewal is on, in a table cell. */
  return on ? C_("auto-renew", "on") : C_("auto-renew", "off");
}

static void
print_connections (StatusView *view,
                   GList      *connections)
{
  g_autoptr(CmtctlTable) table = NULL;

  /* Translators: a section heading of "cmatokenctl status". */
  printf ("%s\n", _("Connections"));
  if (connections == NULL)
    {
      /* Translators: %s is the program name. */
      printf (_("  None yet. Add one with “%s add-connection”.\n"), g_get_prgname ());
      return;
    }

  table = cmtctl_table_new ("",
                            /* Translators: column headings of the connections table; keep them short. */
                            C_("column", "ID"),
                            C_("column", "LABEL"),
                            C_("column", "ASSISTANT"),
                            C_("column", "SERVER → CLOUD SITE"),
                            C_("column", "STATUS"),
                            C_("column", "EXPIRY"),
                            C_("column", "AUTO-RENEW"),
                            C_("column", "LAST ERROR"),
                            NULL);
  for (GList *l = connections; l != NULL; l = l->next)
    {
      CmtConnection *c = cmt_object_peek_connection (l->data);
      g_autofree char *host = cmtctl_client_connection_host (view->client, c);
      g_autofree char *site = cmt_url_display (cmt_connection_get_cloud_site_url (c));
      /* Translators: a server and the cloud site it is connected to. */
      g_autofree char *route = g_strdup_printf (_("%1$s → %2$s"), host, site);
      g_autofree char *expiry = cmtctl_expiry_cell (CMT_EXPIRY_CONTAINER_TOKEN,
                                                     cmt_connection_get_expires_at (c), view->now);
      const char *status = cmt_connection_get_renewing (c)
        /* Translators: a connection's status while its token is being renewed. */
        ? C_("status", "renewing…")
        : cmtctl_status_label (cmt_connection_get_status (c));

      cmtctl_table_add (table,
                        attention_mark (cmt_connection_get_attention_needed (c)),
                        cmtctl_path_id (g_dbus_object_get_object_path (l->data)),
                        cmt_connection_get_label (c),
                        cmt_assistant_short_name (cmt_connection_get_product (c)),
                        route, status, expiry,
                        on_off (cmt_connection_get_auto_renew (c)),
                        cmt_connection_get_last_error (c));
    }
  cmtctl_table_fit (table, view->columns, 1);
  cmtctl_table_print (table, stdout);
}

static void
print_accounts (StatusView *view,
                GList      *accounts)
{
  g_autoptr(CmtctlTable) table = NULL;

  /* Translators: a section heading of "cmatokenctl status". */
  printf ("\n%s\n", _("Cloud accounts"));
  if (accounts == NULL)
    {
      /* Translators: %s is the program name. */
      printf (_("  None yet. Add one with “%s add-cloud-account”.\n"), g_get_prgname ());
      return;
    }

  table = cmtctl_table_new ("",
                            /* Translators: column headings of the cloud accounts table; keep them short. */
                            C_("column", "ID"),
                            C_("column", "LABEL"),
                            C_("column", "EMAIL"),
                            C_("column", "CLOUD SITE"),
                            C_("column", "NAME"),
                            C_("column", "STATUS"),
                            C_("column", "API TOKEN"),
                            C_("column", "LAST ERROR"),
                            NULL);
  for (GList *l = accounts; l != NULL; l = l->next)
    {
      CmtCloudAccount *a = cmt_object_peek_cloud_account (l->data);
      g_autofree char *site = cmt_url_display (cmt_cloud_account_get_site_url (a));
      g_autofree char *expiry = cmtctl_expiry_cell (CMT_EXPIRY_CREDENTIAL,
                                                     cmt_cloud_account_get_token_expires_at (a), view->now);

      cmtctl_table_add (table,
                        attention_mark (cmt_cloud_account_get_attention_needed (a)),
                        cmtctl_path_id (g_dbus_object_get_object_path (l->data)),
                        cmt_cloud_account_get_label (a),
                        cmt_cloud_account_get_email (a),
                        site,
                        cmt_cloud_account_get_display_name (a),
                        cmtctl_status_label (cmt_cloud_account_get_status (a)),
                        expiry,
                        cmt_cloud_account_get_last_error (a));
    }
  cmtctl_table_fit (table, view->columns, 1);
  cmtctl_table_print (table, stdout);
}

static void
print_servers (StatusView *view,
               GList      *servers)
{
  g_autoptr(CmtctlTable) table = NULL;

  /* Translators: a section heading of "cmatokenctl status". */
  printf ("\n%s\n", _("Servers"));
  if (servers == NULL)
    {
      /* Translators: %s is the program name. */
      printf (_("  None yet. Add one with “%s add-server”.\n"), g_get_prgname ());
      return;
    }

  table = cmtctl_table_new ("",
                            /* Translators: column headings of the servers table; keep them short. */
                            C_("column", "ID"),
                            C_("column", "LABEL"),
                            C_("column", "PRODUCT"),
                            C_("column", "URL"),
                            C_("column", "CREDENTIAL"),
                            C_("column", "STATUS"),
                            C_("column", "EXPIRY"),
                            C_("column", "LAST ERROR"),
                            NULL);
  for (GList *l = servers; l != NULL; l = l->next)
    {
      CmtServer *s = cmt_object_peek_server (l->data);
      g_autofree char *host = cmt_url_display (cmt_server_get_base_url (s));
      g_autofree char *expiry = cmtctl_expiry_cell (CMT_EXPIRY_CREDENTIAL,
                                                     cmt_server_get_secret_expires_at (s), view->now);
      g_autofree char *credential = NULL;

      if (g_strcmp0 (cmt_server_get_auth_kind (s), "basic") == 0)
        /* Translators: the server credential is this user's password. */
        credential = g_strdup_printf (_("password of %s"), cmt_server_get_username (s));
      else
        /* Translators: the server credential is a personal access token. */
        credential = g_strdup (C_("credential", "PAT"));

      cmtctl_table_add (table,
                        attention_mark (cmt_server_get_attention_needed (s)),
                        cmtctl_path_id (g_dbus_object_get_object_path (l->data)),
                        cmt_server_get_label (s),
                        cmt_product_name (cmt_server_get_product (s)),
                        host, credential,
                        cmtctl_status_label (cmt_server_get_status (s)),
                        expiry,
                        cmt_server_get_last_error (s));
    }
  cmtctl_table_fit (table, view->columns, 1);
  cmtctl_table_print (table, stdout);
}

static CmtStatus
object_status (StatusView *view,
               const char *path)
{
  g_autoptr(CmtObject) object = cmtctl_client_get_object (view->client, path);

  if (object == NULL)
    return CMT_STATUS_UNKNOWN;
  if (cmt_object_peek_cloud_account (object) != NULL)
    return cmt_status_from_string (cmt_cloud_account_get_status (cmt_object_peek_cloud_account (object)));
  if (cmt_object_peek_server (object) != NULL)
    return cmt_status_from_string (cmt_server_get_status (cmt_object_peek_server (object)));
  return CMT_STATUS_UNKNOWN;
}

/* Every connection counted once: "2 expired · 1 cannot renew · …". */
static void
count_summary (StatusView *view,
               GList      *connections)
{
  for (GList *l = connections; l != NULL; l = l->next)
    {
      CmtConnection *c = cmt_object_peek_connection (l->data);
      CmtStatus status = cmt_status_from_string (cmt_connection_get_status (c));
      CmtSummaryBlock block = cmt_summary_block_for (object_status (view, cmt_connection_get_cloud_account (c)),
                                                     object_status (view, cmt_connection_get_server (c)),
                                                     status,
                                                     cmt_connection_get_attention_needed (c),
                                                     cmt_connection_get_last_error (c));

      cmt_summary_add (&view->summary, status, cmt_connection_get_expires_at (c), block, view->now);
    }
}

static void
add_string (JsonBuilder *b,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

static void
add_int (JsonBuilder *b,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

/* A time as seconds since the epoch under @key, and beside it as ISO 8601
 * UTC under "@key_iso" ("" when 0: never, or no date). */
static void
add_time (JsonBuilder *b,
          const char  *key,
          gint64       value)
{
  g_autofree char *iso_key = g_strconcat (key, "_iso", NULL);
  g_autoptr(GDateTime) dt = value > 0 ? g_date_time_new_from_unix_utc (value) : NULL;
  g_autofree char *iso = dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

  add_int (b, key, value);
  add_string (b, iso_key, iso);
}

static void
add_bool (JsonBuilder *b,
          const char  *key,
          gboolean     value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, value);
}

static void
add_object_ids (JsonBuilder *b,
                CmtObject   *object)
{
  const char *path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));

  add_string (b, "id", cmtctl_path_id (path));
  add_string (b, "path", path);
}

static void
print_json (StatusView *view,
            GList      *connections,
            GList      *accounts,
            GList      *servers,
            gboolean    attention)
{
  CmtManager *manager = cmtctl_client_get_manager (view->client);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);

  json_builder_set_member_name (b, "service");
  json_builder_begin_object (b);
  add_string (b, "version", cmt_manager_get_version (manager));
  add_string (b, "keyring_state", cmt_manager_get_keyring_state (manager));
  add_int (b, "container_token_lifetime", cmt_manager_get_container_token_lifetime (manager));
  add_int (b, "warn_before", view->warn_before);
  add_int (b, "credential_warn_before", view->credential_warn_before);
  json_builder_end_object (b);

  add_time (b, "now", view->now);
  add_bool (b, "attention_needed", attention);

  {
    g_autofree char *summary = cmt_summary_describe (&view->summary);

    json_builder_set_member_name (b, "summary");
    json_builder_begin_object (b);
    add_int (b, "expired", view->summary.expired);
    add_int (b, "cannot_renew", view->summary.cannot_renew);
    add_int (b, "expires_this_week", view->summary.this_week);
    add_int (b, "never_renewed", view->summary.never_renewed);
    add_int (b, "valid", view->summary.valid);
    add_string (b, "text", summary);
    json_builder_end_object (b);
  }

  json_builder_set_member_name (b, "connections");
  json_builder_begin_array (b);
  for (GList *l = connections; l != NULL; l = l->next)
    {
      CmtConnection *c = cmt_object_peek_connection (l->data);
      g_autoptr(CmtObject) server_object = cmtctl_client_get_object (view->client, cmt_connection_get_server (c));
      g_autoptr(CmtObject) account_object = cmtctl_client_get_object (view->client, cmt_connection_get_cloud_account (c));
      CmtServer *server = server_object != NULL ? cmt_object_peek_server (server_object) : NULL;
      CmtCloudAccount *account = account_object != NULL ? cmt_object_peek_cloud_account (account_object) : NULL;

      json_builder_begin_object (b);
      add_object_ids (b, l->data);
      add_string (b, "label", cmt_connection_get_label (c));
      add_string (b, "product", cmt_connection_get_product (c));
      add_string (b, "assistant", cmt_assistant_short_name (cmt_connection_get_product (c)));
      add_string (b, "server", cmt_connection_get_server (c));
      add_string (b, "server_id", cmtctl_path_id (cmt_connection_get_server (c)));
      add_string (b, "server_url", server != NULL ? cmt_server_get_base_url (server) : "");
      add_string (b, "cloud_account", cmt_connection_get_cloud_account (c));
      add_string (b, "cloud_account_id", cmtctl_path_id (cmt_connection_get_cloud_account (c)));
      add_string (b, "cloud_account_email", account != NULL ? cmt_cloud_account_get_email (account) : "");
      add_string (b, "cloud_site_url", cmt_connection_get_cloud_site_url (c));
      add_time (b, "renewed_at", cmt_connection_get_renewed_at (c));
      add_time (b, "expires_at", cmt_connection_get_expires_at (c));
      add_string (b, "status", cmt_connection_get_status (c));
      add_bool (b, "renewing", cmt_connection_get_renewing (c));
      add_string (b, "renew_step", cmt_connection_get_renew_step (c));
      add_bool (b, "auto_renew", cmt_connection_get_auto_renew (c));
      add_time (b, "auto_renew_consent_at", cmt_connection_get_auto_renew_consent_at (c));
      add_string (b, "last_error", cmt_connection_get_last_error (c));
      add_string (b, "error_code", cmt_connection_get_last_error_name (c));
      add_bool (b, "attention_needed", cmt_connection_get_attention_needed (c));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "cloud_accounts");
  json_builder_begin_array (b);
  for (GList *l = accounts; l != NULL; l = l->next)
    {
      CmtCloudAccount *a = cmt_object_peek_cloud_account (l->data);

      json_builder_begin_object (b);
      add_object_ids (b, l->data);
      add_string (b, "label", cmt_cloud_account_get_label (a));
      add_string (b, "email", cmt_cloud_account_get_email (a));
      add_string (b, "site_url", cmt_cloud_account_get_site_url (a));
      add_string (b, "display_name", cmt_cloud_account_get_display_name (a));
      add_time (b, "token_expires_at", cmt_cloud_account_get_token_expires_at (a));
      add_string (b, "status", cmt_cloud_account_get_status (a));
      add_time (b, "last_checked_at", cmt_cloud_account_get_last_checked_at (a));
      add_string (b, "last_error", cmt_cloud_account_get_last_error (a));
      add_bool (b, "attention_needed", cmt_cloud_account_get_attention_needed (a));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "servers");
  json_builder_begin_array (b);
  for (GList *l = servers; l != NULL; l = l->next)
    {
      CmtServer *s = cmt_object_peek_server (l->data);

      json_builder_begin_object (b);
      add_object_ids (b, l->data);
      add_string (b, "label", cmt_server_get_label (s));
      add_string (b, "product", cmt_server_get_product (s));
      add_string (b, "base_url", cmt_server_get_base_url (s));
      add_string (b, "auth_kind", cmt_server_get_auth_kind (s));
      add_string (b, "username", cmt_server_get_username (s));
      add_time (b, "secret_expires_at", cmt_server_get_secret_expires_at (s));
      add_string (b, "status", cmt_server_get_status (s));
      add_time (b, "last_checked_at", cmt_server_get_last_checked_at (s));
      add_string (b, "last_error", cmt_server_get_last_error (s));
      add_bool (b, "attention_needed", cmt_server_get_attention_needed (s));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

static gboolean
needs_attention (CmtObject  *object,
                 CmtctlKind  kind)
{
  switch (kind)
    {
    case CMTCTL_KIND_CONNECTION:
      return cmt_connection_get_attention_needed (cmt_object_peek_connection (object));
    case CMTCTL_KIND_ACCOUNT:
      return cmt_cloud_account_get_attention_needed (cmt_object_peek_cloud_account (object));
    case CMTCTL_KIND_SERVER:
    default:
      return cmt_server_get_attention_needed (cmt_object_peek_server (object));
    }
}

/* Drops (and unrefs) the objects of @list that need no attention. */
static GList *
keep_attention (GList      *list,
                CmtctlKind  kind)
{
  GList *l = list;

  while (l != NULL)
    {
      GList *next = l->next;

      if (!needs_attention (l->data, kind))
        {
          g_object_unref (l->data);
          list = g_list_delete_link (list, l);
        }
      l = next;
    }
  return list;
}

int
cmtctl_cmd_status (const CmtctlCommand *command,
                   int                  argc,
                   char               **argv)
{
  gboolean json = FALSE;
  gboolean wide = FALSE;
  gboolean attention_only = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print JSON for scripts: ids, object paths, raw times (seconds since the epoch) and statuses"), NULL },
    { "attention", 0, 0, G_OPTION_ARG_NONE, &attention_only,
      N_("Only what needs attention (marked “!”)"), NULL },
    { "wide", 0, 0, G_OPTION_ARG_NONE, &wide,
      N_("Never cut long cells to fit the terminal"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autolist(CmtObject) connections = NULL;
  g_autolist(CmtObject) accounts = NULL;
  g_autolist(CmtObject) servers = NULL;
  CmtManager *manager;
  const char *keyring;
  StatusView view = { 0 };
  gboolean keyring_trouble;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 0, 0, &argc, &argv, &exit_code))
    return exit_code;

  client = cmtctl_client_new (&error);
  if (client == NULL)
    return cmtctl_fail (error);
  manager = cmtctl_client_get_manager (client);

  view.client = client;
  view.columns = wide || json ? 0 : cmtctl_terminal_columns ();
  view.attention_only = attention_only;
  view.now = cmt_expiry_now ();
  view.warn_before = cmt_manager_get_warn_before (manager);
  view.credential_warn_before = cmt_manager_get_credential_warn_before (manager);

  connections = g_list_sort (cmtctl_client_list (client, CMTCTL_KIND_CONNECTION), compare_connections);
  accounts = cmtctl_client_list (client, CMTCTL_KIND_ACCOUNT);
  servers = cmtctl_client_list (client, CMTCTL_KIND_SERVER);

  for (GList *l = connections; l != NULL; l = l->next)
    view.n_attention += cmt_connection_get_attention_needed (cmt_object_peek_connection (l->data)) ? 1 : 0;
  for (GList *l = accounts; l != NULL; l = l->next)
    view.n_attention += cmt_cloud_account_get_attention_needed (cmt_object_peek_cloud_account (l->data)) ? 1 : 0;
  for (GList *l = servers; l != NULL; l = l->next)
    view.n_attention += cmt_server_get_attention_needed (cmt_object_peek_server (l->data)) ? 1 : 0;

  count_summary (&view, connections);

  keyring = cmt_manager_get_keyring_state (manager);
  keyring_trouble = g_strcmp0 (keyring, "locked") == 0 || g_strcmp0 (keyring, "unavailable") == 0;

  if (attention_only)
    {
      /* The summary above still counts everything. */
      connections = keep_attention (connections, CMTCTL_KIND_CONNECTION);
      accounts = keep_attention (accounts, CMTCTL_KIND_ACCOUNT);
      servers = keep_attention (servers, CMTCTL_KIND_SERVER);
    }

  if (json)
    {
      print_json (&view, connections, accounts, servers, view.n_attention > 0 || keyring_trouble);
    }
  else
    {
      g_autofree char *summary = cmt_summary_describe (&view.summary);

      if (*summary != '\0')
        printf ("%s\n\n", summary);
      if (!attention_only || connections != NULL)
        print_connections (&view, connections);
      if (!attention_only || accounts != NULL)
        print_accounts (&view, accounts);
      if (!attention_only || servers != NULL)
        print_servers (&view, servers);
      if (attention_only && connections == NULL && accounts == NULL && servers == NULL)
        printf ("%s\n", _("Nothing needs attention."));

      if (g_strcmp0 (keyring, "locked") == 0)
        printf ("\n%s\n", _("The keyring is locked: unlock it (for example by logging in again) so that cmatoken can read its secrets."));
      else if (g_strcmp0 (keyring, "unavailable") == 0)
        printf ("\n%s\n", _("No keyring (Secret Service) is running: cmatoken can neither read nor store secrets until one is. Start gnome-keyring or another Secret Service."));
      if (view.n_attention > 0)
        {
          printf ("\n");
          printf (ngettext ("%u item needs attention (marked “!”).\n",
                            "%u items need attention (marked “!”).\n", view.n_attention),
                  view.n_attention);
        }
    }
  fflush (stdout);

  return (view.n_attention > 0 || keyring_trouble) ? CMTCTL_EXIT_ATTENTION : CMTCTL_EXIT_OK;
}
