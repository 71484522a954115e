/* cmtd-manager.c: the Manager1 object: adds accounts, servers and connections */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-url.h"
#include "cmtd-announce.h"
#include "cmtd-cloud-account.h"
#include "cmtd-connection.h"
#include "cmtd-manager.h"
#include "cmtd-server.h"
#include "cmtd-util.h"

struct _CmtdManager
{
  GObject            parent_instance;

  CmtdDaemon        *daemon; /* owns us */
  CmtObjectSkeleton *object;
  CmtManager        *iface;
  /* Identity keys of objects being added: a second Add of the same thing
   * while the first is checking gets Exists. */
  GHashTable        *pending_keys;
};

G_DEFINE_FINAL_TYPE (CmtdManager, cmtd_manager, G_TYPE_OBJECT)

static char *
account_key (const char *email,
             const char *site_url)
{
  g_autofree char *folded = g_utf8_casefold (email, -1);
  return g_strdup_printf ("account\n%s\n%s", folded, site_url);
}

static char *
server_key (const char *product,
            const char *base_url)
{
  return g_strdup_printf ("server\n%s\n%s", product, base_url);
}

static char *
connection_key (CmtdServer *server,
                const char *site_url)
{
  return g_strdup_printf ("connection\n%s\n%s", cmtd_server_get_id (server), site_url);
}

/* One Add in progress. */
typedef struct {
  CmtdManager           *self;
  GDBusMethodInvocation *invocation;
  char                  *key;
  char                  *secret;        /* wiped */
  char                  *display_name;
  gboolean               checked;
  gboolean               scoped;       /* the API token passed only through the gateway */
  char                  *slot;
  CmtdCloudAccount      *account;
  CmtdServer            *server;
  CmtdConnection        *connection;
} AddOp;

static AddOp *
add_op_new (CmtdManager           *self,
            GDBusMethodInvocation *invocation,
            char                  *key)
{
  AddOp *op = g_new0 (AddOp, 1);

  op->self = g_object_ref (self);
  op->invocation = invocation; /* the handler's reference: a return consumes it */
  op->key = key;
  g_hash_table_add (self->pending_keys, g_strdup (key));
  cmtd_daemon_hold (self->daemon);
  return op;
}

static void
add_op_free (AddOp *op)
{
  g_hash_table_remove (op->self->pending_keys, op->key);
  if (op->slot != NULL)
    cmtd_daemon_unprotect_slot (op->self->daemon, op->slot);
  cmtd_daemon_release (op->self->daemon);
  cmtd_atlassian_secret_free (op->secret);
  g_free (op->display_name);
  g_free (op->slot);
  g_free (op->key);
  g_clear_object (&op->account);
  g_clear_object (&op->server);
  g_clear_object (&op->connection);
  g_clear_object (&op->invocation);
  g_object_unref (op->self);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddOp, add_op_free)

/* Takes @op and @error. */
static void
add_op_return_error (AddOp  *op,
                     GError *error)
{
  cmtd_error_to_cmt (&error);
  g_debug ("Add failed: %s", cmt_error_code_to_name (error->code));
  g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
  g_error_free (error);
  add_op_free (op);
}

static gboolean
check_pending (CmtdManager *self,
               const char  *key,
               GError     **error)
{
  if (!g_hash_table_contains (self->pending_keys, key))
    return TRUE;
  g_set_error_literal (error, CMT_ERROR, CMT_ERROR_EXISTS,
                       _("The same item is being added right now. Wait for that to finish."));
  return FALSE;
}

/* ---- AddCloudAccount: check, store the token, write the key file, export ---- */

static void
add_account_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AddOp) op = user_data;
  CmtdDaemon *daemon = op->self->daemon;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_daemon_save_finish (daemon, result, &error))
    {
      cmtd_cloud_account_unsave (op->account);
      cmtd_secrets_clear_async (CMTD_SECRET_CLOUD_ACCOUNT, cmtd_cloud_account_get_id (op->account),
                                op->slot, NULL, NULL, NULL);
      add_op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Cloud account %s added: %s on %s", cmtd_cloud_account_get_id (op->account),
           cmtd_cloud_account_get_email (op->account), cmtd_cloud_account_get_site_url (op->account));
  cmtd_daemon_add_cloud_account (daemon, op->account);
  subject = g_strdup_printf (_("%1$s on %2$s"), cmtd_cloud_account_get_email (op->account),
                             cmtd_cloud_account_get_site_url (op->account));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (daemon), cmtd_daemon_get_history (daemon),
                            g_steal_pointer (&op->invocation),
                            g_variant_new ("(o)", cmtd_cloud_account_get_path (op->account)),
                            CMTD_CHANGE_ADDED, CMTD_SUBJECT_CLOUD_ACCOUNT,
                            cmtd_cloud_account_get_path (op->account),
                            cmtd_cloud_account_get_email (op->account), subject);
}

static void
add_account_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(AddOp) op = user_data;
  CmtdDaemon *daemon = op->self->daemon;
  g_autoptr(GError) error = NULL;

  if (!cmtd_secrets_store_finish (result, &error))
    {
      cmtd_daemon_keyring_result (daemon, error);
      add_op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  cmtd_daemon_keyring_result (daemon, NULL);
  cmtd_cloud_account_save (op->account);
  cmtd_daemon_save_async (daemon, add_account_saved, g_steal_pointer (&op));
}

static void
add_account_store (AddOp      *op,
                   const char *email,
                   const char *site_url,
                   gint64      expires_at)
{
  CmtdDaemon *daemon = op->self->daemon;
  g_autofree char *id = cmtd_daemon_new_id (daemon);
  g_autofree char *label = NULL;
  g_auto(GStrv) describe = NULL;

  op->slot = cmtd_new_slot ();
  cmtd_daemon_protect_slot (daemon, op->slot);
  op->account = cmtd_cloud_account_new (daemon, id, email, site_url, expires_at, op->slot);
  if (op->checked)
    cmtd_cloud_account_apply_check (op->account, op->display_name, NULL);
  cmtd_cloud_account_set_token_scoped (op->account, op->scoped);
  label = cmtd_cloud_account_dup_secret_label (op->account);
  describe = cmtd_cloud_account_dup_secret_description (op->account);
  cmtd_secrets_store_async (CMTD_SECRET_CLOUD_ACCOUNT, id, op->slot, label,
                            (const char *const *) describe, op->secret,
                            cmtd_daemon_get_cancellable (daemon), add_account_stored, op);
}

typedef struct {
  AddOp  *op;
  char   *email;
  char   *site_url;
  gint64  expires_at;
} AccountCheck;

static void
add_account_checked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AccountCheck *check = user_data;
  AddOp *op = check->op;
  g_autoptr(GError) error = NULL;

  if (!cmtd_atlassian_check_cloud_account_finish (CMTD_ATLASSIAN (source), result,
                                                  &op->display_name, &error))
    add_op_return_error (op, g_steal_pointer (&error));
  else
    {
      op->checked = TRUE;
      op->scoped = cmtd_atlassian_check_was_scoped (result);
      add_account_store (op, check->email, check->site_url, check->expires_at);
    }
  g_free (check->email);
  g_free (check->site_url);
  g_free (check);
}

static gboolean
handle_add_cloud_account (CmtManager            *iface,
                          GDBusMethodInvocation *invocation,
                          const char            *email,
                          const char            *site_url,
                          const char            *api_token,
                          gint64                 token_expires_at,
                          GVariant              *options,
                          CmtdManager           *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *key = NULL;
  gboolean check = TRUE;
  AddOp *op;

  g_debug ("AddCloudAccount");
  if (!cmtd_validate_email (email, &error))
    goto fail;
  normalized = cmt_url_normalize_cloud_site (site_url, &error);
  if (normalized == NULL ||
      !cmtd_validate_secret (api_token, &error) ||
      !cmtd_validate_expiry (token_expires_at, &error) ||
      !cmtd_option_get_check (options, &check, &error))
    goto fail;

  key = account_key (email, normalized);
  if (cmtd_daemon_find_cloud_account_by_email (self->daemon, email, normalized) != NULL)
    {
      g_set_error (&error, CMT_ERROR, CMT_ERROR_EXISTS,
                   _("The account %1$s is already stored for %2$s. Replace its token instead of adding it again."),
                   email, normalized);
      goto fail;
    }
  if (!check_pending (self, key, &error))
    goto fail;

  op = add_op_new (self, invocation, g_steal_pointer (&key));
  op->secret = g_strdup (api_token);
  if (check)
    {
      AccountCheck *data = g_new0 (AccountCheck, 1);
      data->op = op;
      data->email = g_strdup (email);
      data->site_url = g_strdup (normalized);
      data->expires_at = token_expires_at;
      g_debug ("Checking the API token of %s on %s", email, normalized);
      cmtd_atlassian_check_cloud_account_async (cmtd_daemon_get_atlassian (self->daemon),
                                                normalized, email, op->secret,
                                                cmtd_daemon_get_cancellable (self->daemon),
                                                add_account_checked, data);
    }
  else
    add_account_store (op, email, normalized, token_expires_at);
  return G_DBUS_METHOD_INVOCATION_HANDLED;

fail:
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- AddServer: the same steps ---- */

static void
add_server_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AddOp) op = user_data;
  CmtdDaemon *daemon = op->self->daemon;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_daemon_save_finish (daemon, result, &error))
    {
      cmtd_server_unsave (op->server);
      cmtd_secrets_clear_async (CMTD_SECRET_SERVER, cmtd_server_get_id (op->server),
                                op->slot, NULL, NULL, NULL);
      add_op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Server %s added: %s %s", cmtd_server_get_id (op->server),
           cmtd_server_get_product (op->server), cmtd_server_get_base_url (op->server));
  cmtd_daemon_add_server (daemon, op->server);
  subject = g_strdup_printf ("%s (%s)", cmtd_server_get_base_url (op->server),
                             cmtd_product_display_name (cmtd_server_get_product (op->server)));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (daemon), cmtd_daemon_get_history (daemon),
                            g_steal_pointer (&op->invocation),
                            g_variant_new ("(o)", cmtd_server_get_path (op->server)),
                            CMTD_CHANGE_ADDED, CMTD_SUBJECT_SERVER,
                            cmtd_server_get_path (op->server), NULL, subject);
}

static void
add_server_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AddOp) op = user_data;
  CmtdDaemon *daemon = op->self->daemon;
  g_autoptr(GError) error = NULL;

  if (!cmtd_secrets_store_finish (result, &error))
    {
      cmtd_daemon_keyring_result (daemon, error);
      add_op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }
  cmtd_daemon_keyring_result (daemon, NULL);
  cmtd_server_save (op->server);
  cmtd_daemon_save_async (daemon, add_server_saved, g_steal_pointer (&op));
}

static void
add_server_store (AddOp *op)
{
  CmtdDaemon *daemon = op->self->daemon;
  const char *auth_kind = cmtd_server_get_auth_kind (op->server);
  const char *username = cmtd_server_get_username (op->server);
  g_autofree char *label = NULL;
  g_auto(GStrv) describe = NULL;

  if (op->checked)
    cmtd_server_apply_check (op->server, op->display_name, NULL);
  label = cmtd_server_dup_secret_label (op->server, auth_kind, username);
  describe = cmtd_server_dup_secret_description (op->server, auth_kind, username);
  cmtd_secrets_store_async (CMTD_SECRET_SERVER, cmtd_server_get_id (op->server), op->slot,
                            label, (const char *const *) describe, op->secret,
                            cmtd_daemon_get_cancellable (daemon), add_server_stored, op);
}

static void
add_server_checked (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AddOp *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_atlassian_check_server_finish (CMTD_ATLASSIAN (source), result,
                                           &op->display_name, &error))
    {
      add_op_return_error (op, g_steal_pointer (&error));
      return;
    }
  op->checked = TRUE;
  add_server_store (op);
}

static gboolean
handle_add_server (CmtManager            *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *product,
                   const char            *base_url,
                   const char            *auth_kind,
                   const char            *username,
                   const char            *secret,
                   gint64                 secret_expires_at,
                   GVariant              *options,
                   CmtdManager           *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  gboolean check = TRUE;
  AddOp *op;

  g_debug ("AddServer");
  if (!cmtd_validate_product (product, &error))
    goto fail;
  normalized = cmtd_validate_url (base_url, &error);
  if (normalized == NULL ||
      !cmtd_validate_auth_kind (auth_kind, username, &error) ||
      !cmtd_validate_secret (secret, &error) ||
      !cmtd_validate_expiry (secret_expires_at, &error) ||
      !cmtd_option_get_check (options, &check, &error))
    goto fail;
  /* A personal access token needs no user name: none is kept. */
  if (!g_str_equal (auth_kind, "basic"))
    username = "";

  key = server_key (product, normalized);
  if (cmtd_daemon_find_server_by_url (self->daemon, product, normalized) != NULL)
    {
      g_set_error (&error, CMT_ERROR, CMT_ERROR_EXISTS,
                   _("The server %s is already stored. Replace its credential instead of adding it again."),
                   normalized);
      goto fail;
    }
  if (!check_pending (self, key, &error))
    goto fail;

  op = add_op_new (self, invocation, g_steal_pointer (&key));
  op->secret = g_strdup (secret);
  op->slot = cmtd_new_slot ();
  cmtd_daemon_protect_slot (self->daemon, op->slot);
  id = cmtd_daemon_new_id (self->daemon);
  op->server = cmtd_server_new (self->daemon, id, product, normalized, auth_kind, username,
                                secret_expires_at, op->slot);
  if (check)
    {
      g_debug ("Checking the credential for %s", normalized);
      cmtd_atlassian_check_server_async (cmtd_daemon_get_atlassian (self->daemon),
                                         product, normalized, auth_kind, username, op->secret,
                                         cmtd_daemon_get_cancellable (self->daemon),
                                         add_server_checked, op);
    }
  else
    add_server_store (op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;

fail:
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- AddConnection: check both credentials (recording nothing: a refused
 * Add changes nothing), write the key file, export ---- */

static void
add_connection_saved (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(AddOp) op = user_data;
  CmtdDaemon *daemon = op->self->daemon;
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;

  if (!cmtd_daemon_save_finish (daemon, result, &error))
    {
      cmtd_connection_unsave (op->connection);
      add_op_return_error (g_steal_pointer (&op), g_steal_pointer (&error));
      return;
    }

  g_debug ("Connection %s added: server %s to %s", cmtd_connection_get_id (op->connection),
           cmtd_server_get_id (op->server), cmtd_connection_get_cloud_site_url (op->connection));
  cmtd_daemon_add_connection (daemon, op->connection);
  subject = g_strdup_printf ("%s → %s", cmtd_server_get_base_url (op->server),
                             cmtd_connection_get_cloud_site_url (op->connection));
  cmtd_announce_and_return (cmtd_daemon_get_notifier (daemon), cmtd_daemon_get_history (daemon),
                            g_steal_pointer (&op->invocation),
                            g_variant_new ("(o)", cmtd_connection_get_path (op->connection)),
                            CMTD_CHANGE_ADDED, CMTD_SUBJECT_CONNECTION,
                            cmtd_connection_get_path (op->connection),
                            cmtd_cloud_account_get_email (cmtd_connection_get_cloud_account (op->connection)),
                            subject);
}

typedef struct {
  AddOp  *op;
  char   *site_url;
  gint64  renewed_at;
} ConnectionAdd;

static void
connection_add_free (ConnectionAdd *data)
{
  g_free (data->site_url);
  g_free (data);
}

static void
add_connection_commit (ConnectionAdd *data)
{
  AddOp *op = data->op;
  CmtdDaemon *daemon = op->self->daemon;
  g_autofree char *id = NULL;

  if (cmtd_server_is_removed (op->server) || cmtd_cloud_account_is_removed (op->account))
    {
      add_op_return_error (op, g_error_new_literal (CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                                    _("The server or the cloud account was removed meanwhile. Add it again first.")));
      connection_add_free (data);
      return;
    }

  id = cmtd_daemon_new_id (daemon);
  op->connection = cmtd_connection_new (daemon, id, op->server, op->account,
                                        data->site_url, data->renewed_at);
  cmtd_connection_save (op->connection);
  connection_add_free (data);
  cmtd_daemon_save_async (daemon, add_connection_saved, op);
}

static void
add_connection_server_checked (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  ConnectionAdd *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_server_check_finish (CMTD_SERVER (source), result, &error))
    {
      add_op_return_error (data->op, g_steal_pointer (&error));
      connection_add_free (data);
      return;
    }
  add_connection_commit (data);
}

static void
add_connection_account_checked (GObject      *source,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  ConnectionAdd *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmtd_cloud_account_check_finish (CMTD_CLOUD_ACCOUNT (source), result, &error))
    {
      add_op_return_error (data->op, g_steal_pointer (&error));
      connection_add_free (data);
      return;
    }
  cmtd_server_check_async (data->op->server, FALSE, cmtd_daemon_get_cancellable (data->op->self->daemon),
                           add_connection_server_checked, data);
}

static gboolean
handle_add_connection (CmtManager            *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *server_path,
                       const char            *account_path,
                       const char            *cloud_site_url,
                       GVariant              *options,
                       CmtdManager           *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) renewed_value = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *key = NULL;
  CmtdServer *server;
  CmtdCloudAccount *account;
  gint64 renewed_at = 0;
  gint64 now = cmtd_daemon_now (self->daemon);
  gboolean check = TRUE;
  ConnectionAdd *data;
  AddOp *op;

  g_debug ("AddConnection");
  server = cmtd_daemon_find_server (self->daemon, server_path);
  if (server == NULL)
    {
      g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                           _("The server does not exist (it may have been removed). Choose one of the stored servers, or add it first."));
      goto fail;
    }
  account = cmtd_daemon_find_cloud_account (self->daemon, account_path);
  if (account == NULL)
    {
      g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                           _("The cloud account does not exist (it may have been removed). Choose one of the stored accounts, or add it first."));
      goto fail;
    }
  normalized = cmt_url_normalize_cloud_site (cloud_site_url, &error);
  if (normalized == NULL ||
      !cmtd_option_get_check (options, &check, &error) ||
      !cmtd_option_lookup (options, "renewed-at", G_VARIANT_TYPE_INT64, &renewed_value, &error))
    goto fail;
  if (renewed_value != NULL)
    renewed_at = g_variant_get_int64 (renewed_value);
  if (renewed_at < 0 || renewed_at > now + CMTD_FUTURE_SLACK)
    {
      g_set_error_literal (&error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The last renewal time must be in the past. Give the time the token was last renewed, or leave it out if you do not know it."));
      goto fail;
    }
  renewed_at = MIN (renewed_at, now);

  key = connection_key (server, normalized);
  if (cmtd_daemon_find_connection_by_site (self->daemon, server, normalized) != NULL)
    {
      g_set_error (&error, CMT_ERROR, CMT_ERROR_EXISTS,
                   _("The server %1$s is already connected to %2$s. Renew that connection instead of adding it again."),
                   cmtd_server_get_base_url (server), normalized);
      goto fail;
    }
  if (!check_pending (self, key, &error))
    goto fail;

  op = add_op_new (self, invocation, g_steal_pointer (&key));
  op->server = g_object_ref (server);
  op->account = g_object_ref (account);
  data = g_new0 (ConnectionAdd, 1);
  data->op = op;
  data->site_url = g_strdup (normalized);
  data->renewed_at = renewed_at;
  if (check)
    cmtd_cloud_account_check_async (account, FALSE, cmtd_daemon_get_cancellable (self->daemon),
                                    add_connection_account_checked, data);
  else
    add_connection_commit (data);
  return G_DBUS_METHOD_INVOCATION_HANDLED;

fail:
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- object ---- */

void
cmtd_manager_update_properties (CmtdManager *self)
{
  cmt_manager_set_version (self->iface, CMT_VERSION);
  cmt_manager_set_container_token_lifetime (self->iface, cmtd_daemon_get_lifetime (self->daemon));
  cmt_manager_set_warn_before (self->iface, cmtd_daemon_get_warn_before (self->daemon));
  cmt_manager_set_credential_warn_before (self->iface, cmtd_daemon_get_credential_warn_before (self->daemon));
  cmt_manager_set_keyring_state (self->iface,
                                 cmtd_keyring_state_to_string (cmtd_daemon_get_keyring_state (self->daemon)));
  cmt_manager_set_stray_keyring_items (self->iface, cmtd_daemon_get_stray_keyring_items (self->daemon));
}

static void
cmtd_manager_dispose (GObject *object)
{
  CmtdManager *self = CMTD_MANAGER (object);

  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);

  G_OBJECT_CLASS (cmtd_manager_parent_class)->dispose (object);
}

static void
cmtd_manager_finalize (GObject *object)
{
  CmtdManager *self = CMTD_MANAGER (object);

  g_clear_pointer (&self->pending_keys, g_hash_table_unref);

  G_OBJECT_CLASS (cmtd_manager_parent_class)->finalize (object);
}

static void
cmtd_manager_class_init (CmtdManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_manager_dispose;
  object_class->finalize = cmtd_manager_finalize;
}

static void
cmtd_manager_init (CmtdManager *self)
{
  self->pending_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* GetHistory() */

static gboolean
handle_get_history (CmtManager            *iface,
                    GDBusMethodInvocation *invocation,
                    GVariant              *filter,
                    CmtdManager           *self)
{
  static const char *const known[] = { "object", "since", "limit", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) object = NULL;
  g_autoptr(GVariant) since = NULL;
  g_autoptr(GVariant) limit = NULL;
  GVariantIter iter;
  const char *key;

  g_variant_iter_init (&iter, filter);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    if (!g_strv_contains (known, key))
      {
        g_set_error (&error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                     _("The history has no filter “%s”. Use “object”, “since” or “limit”."), key);
        break;
      }
  if (error == NULL)
    (void) (cmtd_option_lookup (filter, "object", G_VARIANT_TYPE_OBJECT_PATH, &object, &error) &&
            cmtd_option_lookup (filter, "since", G_VARIANT_TYPE_INT64, &since, &error) &&
            cmtd_option_lookup (filter, "limit", G_VARIANT_TYPE_UINT32, &limit, &error));
  if (error != NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  cmt_manager_complete_get_history (iface, invocation,
                                    cmtd_history_query (cmtd_daemon_get_history (self->daemon),
                                                        object != NULL ? g_variant_get_string (object, NULL) : NULL,
                                                        since != NULL ? g_variant_get_int64 (since) : G_MININT64,
                                                        limit != NULL ? g_variant_get_uint32 (limit) : 0));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CmtdManager *
cmtd_manager_new (CmtdDaemon *daemon)
{
  CmtdManager *self = g_object_new (CMTD_TYPE_MANAGER, NULL);

  self->daemon = daemon;
  self->object = cmt_object_skeleton_new (CMT_MANAGER_PATH);
  self->iface = cmt_manager_skeleton_new ();
  cmt_object_skeleton_set_manager (self->object, self->iface);
  cmtd_manager_update_properties (self);

  g_signal_connect (self->iface, "handle-add-cloud-account", G_CALLBACK (handle_add_cloud_account), self);
  g_signal_connect (self->iface, "handle-add-server", G_CALLBACK (handle_add_server), self);
  g_signal_connect (self->iface, "handle-add-connection", G_CALLBACK (handle_add_connection), self);
  g_signal_connect (self->iface, "handle-get-history", G_CALLBACK (handle_get_history), self);
  return self;
}

GDBusObjectSkeleton *
cmtd_manager_get_object (CmtdManager *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}
