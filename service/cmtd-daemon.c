/* cmtd-daemon.c: cmatokend's hub: the bus name, the object tree, settings, keyring state */
#include <glib/gi18n.h>
#include <string.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-names.h"
#include "cmtd-background.h"
#include "cmtd-cloud-account.h"
#include "cmtd-connection.h"
#include "cmtd-daemon.h"
#include "cmtd-manager.h"
#include "cmtd-server.h"
#include "cmtd-util.h"

#define SETTINGS_SCHEMA "io.github.cmatoken"
#define DEFAULT_AUTO_RENEW_DAYS 6
/* How long shutdown waits for requests in flight and the last write. */
#define SHUTDOWN_TIMEOUT_SECONDS 10

struct _CmtdDaemon
{
  GObject                   parent_instance;

  CmtdStore                *store;
  CmtdClock                *clock;
  CmtdAtlassian            *atlassian;
  GSettings                *settings;
  GCancellable             *cancellable;
  gint64                    lifetime;
  gint64                    warn_before;
  gint64                    credential_warn_before;
  gint64                    auto_renew_before;
  gboolean                  watch_in_background;
  int                       background_synced;  /* -1: not yet; else what the unit was set to */
  gint64                    backoff_base;

  guint                     owner_id;
  GBusNameOwnerFlags        owner_flags;
  guint                     own_timeout;
  GDBusConnection          *bus;
  GDBusObjectManagerServer *object_manager;
  CmtdManager              *manager;
  gboolean                  name_acquired;
  gboolean                  finished;
  gboolean                  shutting_down;
  gboolean                  store_idle;
  guint                     shutdown_timeout;
  int                       exit_code;

  /* id → object */
  GHashTable               *accounts;
  GHashTable               *servers;
  GHashTable               *connections;

  guint                     holds;

  CmtdKeyringState          keyring_state;
  guint                     secrets_watch;
  char                     *secrets_owner;
  gboolean                  state_query_running;
  gboolean                  state_query_again;
  gboolean                  reconciled;
  /* Keyring items of ours that the state file does not name: kept. */
  guint                     stray_items;
  CmtdHistory              *history;
  GHashTable               *protected_slots;  /* slot -> number of users */
  GHashTable               *deferred_clears;  /* slot -> CmtdSecretRef: superseded, cleared when unused */

  guint                     renewals_running;
  GQueue                    renewal_queue;

  /* Created once the bus name is ours: only the owner speaks to the desktop. */
  CmtdNotifier             *notifier;
  guint                     collection_subscription;
  /* logind's PrepareForSleep, where a system bus exists. */
  GDBusConnection          *system_bus;
  guint                     sleep_subscription;
};

G_DEFINE_FINAL_TYPE (CmtdDaemon, cmtd_daemon, G_TYPE_OBJECT)

enum {
  FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void finish_if_idle (CmtdDaemon *self);
static void refresh_keyring_state (CmtdDaemon *self);
static void own_name (CmtdDaemon *self);
static void announce_all (CmtdDaemon *self);

/* ---- settings ---- */

static void
read_settings (CmtdDaemon *self)
{
  guint lifetime_days = CMT_DEFAULT_LIFETIME_DAYS;
  guint warn_days = CMT_DEFAULT_WARN_DAYS;
  guint credential_warn_days = CMT_DEFAULT_CREDENTIAL_WARN_DAYS;
  guint auto_renew_days = DEFAULT_AUTO_RENEW_DAYS;
  gboolean watch_in_background = TRUE;

  if (self->settings != NULL)
    {
      g_autoptr(GSettingsSchema) schema = NULL;

      lifetime_days = g_settings_get_uint (self->settings, "container-token-lifetime-days");
      warn_days = g_settings_get_uint (self->settings, "warn-days-before-expiry");
      credential_warn_days = g_settings_get_uint (self->settings, "credential-warn-days-before-expiry");
      /* An older installed schema may lack it. */
      g_object_get (self->settings, "settings-schema", &schema, NULL);
      if (g_settings_schema_has_key (schema, "auto-renew-days-before-expiry"))
        auto_renew_days = g_settings_get_uint (self->settings, "auto-renew-days-before-expiry");
      if (g_settings_schema_has_key (schema, "watch-in-background"))
        watch_in_background = g_settings_get_boolean (self->settings, "watch-in-background");
    }
  self->watch_in_background = watch_in_background;
  self->lifetime = MAX (lifetime_days, 1) * CMT_SECONDS_PER_DAY;
  self->warn_before = warn_days * CMT_SECONDS_PER_DAY;
  self->credential_warn_before = credential_warn_days * CMT_SECONDS_PER_DAY;
  self->auto_renew_before = MAX (auto_renew_days, 1) * CMT_SECONDS_PER_DAY;
}

gboolean
cmtd_daemon_wants_background_watch (CmtdDaemon *self)
{
  return self->watch_in_background && g_hash_table_size (self->connections) > 0;
}

/* The systemd user unit follows the preference and whether there is
 * anything to watch (the autostart entry asks cmatokend --login). */
static void
sync_background (CmtdDaemon *self)
{
  gboolean wanted = cmtd_daemon_wants_background_watch (self);

  if (self->bus == NULL || !self->name_acquired || self->shutting_down ||
      self->background_synced == wanted)
    return;
  self->background_synced = wanted;
  cmtd_background_sync_unit (self->bus, wanted);
}

static void
refresh_all (CmtdDaemon *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cmtd_cloud_account_refresh (value);
  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cmtd_server_refresh (value);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cmtd_connection_refresh (value);
}

static void
on_settings_changed (GSettings  *settings,
                     const char *key,
                     CmtdDaemon *self)
{
  g_debug ("Setting %s changed", key);
  read_settings (self);
  sync_background (self);
  if (self->manager != NULL)
    cmtd_manager_update_properties (self->manager);
  refresh_all (self);
}

static void
setup_settings (CmtdDaemon *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA, TRUE);
  if (schema == NULL)
    g_warning ("The settings schema %s is not installed; using the defaults "
               "(%d days lifetime, warnings %d and %d days ahead)", SETTINGS_SCHEMA,
               CMT_DEFAULT_LIFETIME_DAYS, CMT_DEFAULT_WARN_DAYS, CMT_DEFAULT_CREDENTIAL_WARN_DAYS);
  else
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
    }
  read_settings (self);
}

/* ---- notifications ---- */

/*
 * Every object's current status is posted whenever it changes (and once
 * when the notifier starts): the notifier announces each (object, event)
 * once, also across restarts, so repeats cost nothing. A status without a
 * problem resolves whatever was shown.
 */

static void
announce_connection (CmtdDaemon     *self,
                     CmtdConnection *connection)
{
  CmtConnection *iface = cmt_object_peek_connection (CMT_OBJECT (cmtd_connection_get_object (connection)));
  CmtStatus status = cmt_status_from_string (cmt_connection_get_status (iface));

  if (self->notifier == NULL || cmtd_connection_is_removed (connection))
    return;
  if (status == CMT_STATUS_EXPIRING)
    cmtd_daemon_notify_connection (self, connection, CMTD_EVENT_EXPIRING);
  else if (status == CMT_STATUS_EXPIRED)
    cmtd_daemon_notify_connection (self, connection, CMTD_EVENT_EXPIRED);
  /* A failed automatic renewal keeps its notification until fixed. */
  else if (!cmt_connection_get_attention_needed (iface))
    cmtd_notifier_resolve (self->notifier, cmtd_connection_get_id (connection));
}

void
cmtd_daemon_notify_connection (CmtdDaemon     *self,
                               CmtdConnection *connection,
                               CmtdEvent       event)
{
  CmtConnection *iface = cmt_object_peek_connection (CMT_OBJECT (cmtd_connection_get_object (connection)));
  CmtdServer *server = cmtd_connection_get_server (connection);
  CmtdEventInfo info = {
    .kind = CMTD_SUBJECT_CONNECTION,
    .object_id = cmtd_connection_get_id (connection),
    .product = cmtd_server_get_product (server),
    .server_url = cmtd_server_get_base_url (server),
    .cloud_site_url = cmtd_connection_get_cloud_site_url (connection),
    .expires_at = cmt_connection_get_expires_at (iface),
    .error_message = cmt_connection_get_last_error (iface),
  };

  if (self->notifier != NULL)
    cmtd_notifier_post (self->notifier, event, &info);
}

void
cmtd_daemon_resolve_notification (CmtdDaemon *self,
                                  const char *object_id)
{
  if (self->notifier != NULL)
    cmtd_notifier_resolve (self->notifier, object_id);
}

static gboolean
credential_event (CmtStatus  status,
                  CmtdEvent *event)
{
  switch (status)
    {
    case CMT_STATUS_EXPIRING:
      *event = CMTD_EVENT_EXPIRING;
      return TRUE;
    case CMT_STATUS_EXPIRED:
      *event = CMTD_EVENT_EXPIRED;
      return TRUE;
    case CMT_STATUS_INVALID:
      *event = CMTD_EVENT_INVALID;
      return TRUE;
    case CMT_STATUS_UNKNOWN:
    case CMT_STATUS_VALID:
    case CMT_STATUS_EXPIRY_UNKNOWN:
    default:
      return FALSE;
    }
}

/* A credential's current status: announce its problem, or close it. */
static void
announce_credential (CmtdDaemon          *self,
                     const char          *status,
                     const CmtdEventInfo *info)
{
  CmtdEvent event;

  if (credential_event (cmt_status_from_string (status), &event))
    cmtd_notifier_post (self->notifier, event, info);
  else
    cmtd_notifier_resolve (self->notifier, info->object_id);
}

static void
announce_cloud_account (CmtdDaemon       *self,
                        CmtdCloudAccount *account)
{
  CmtCloudAccount *iface = cmt_object_peek_cloud_account (CMT_OBJECT (cmtd_cloud_account_get_object (account)));
  CmtdEventInfo info = {
    .kind = CMTD_SUBJECT_CLOUD_ACCOUNT,
    .object_id = cmtd_cloud_account_get_id (account),
    .cloud_site_url = cmtd_cloud_account_get_site_url (account),
    .email = cmtd_cloud_account_get_email (account),
    .expires_at = cmt_cloud_account_get_token_expires_at (iface),
    .error_message = cmt_cloud_account_get_last_error (iface),
  };

  if (self->notifier == NULL || cmtd_cloud_account_is_removed (account))
    return;
  announce_credential (self, cmt_cloud_account_get_status (iface), &info);
}

static void
announce_server (CmtdDaemon *self,
                 CmtdServer *server)
{
  CmtServer *iface = cmt_object_peek_server (CMT_OBJECT (cmtd_server_get_object (server)));
  CmtdEventInfo info = {
    .kind = CMTD_SUBJECT_SERVER,
    .object_id = cmtd_server_get_id (server),
    .product = cmtd_server_get_product (server),
    .server_url = cmtd_server_get_base_url (server),
    .expires_at = cmt_server_get_secret_expires_at (iface),
    .error_message = cmt_server_get_last_error (iface),
  };

  if (self->notifier == NULL || cmtd_server_is_removed (server))
    return;
  announce_credential (self, cmt_server_get_status (iface), &info);
}

static void
on_connection_status_changed (CmtdConnection *connection,
                              CmtdDaemon     *self)
{
  announce_connection (self, connection);
}

/* A credential that checked good (its expiry aside). */
static gboolean
credential_status_is_good (const char *status)
{
  switch (cmt_status_from_string (status))
    {
    case CMT_STATUS_VALID:
    case CMT_STATUS_EXPIRING:
    case CMT_STATUS_EXPIRY_UNKNOWN:
      return TRUE;
    case CMT_STATUS_UNKNOWN:
    case CMT_STATUS_EXPIRED:
    case CMT_STATUS_INVALID:
    default:
      return FALSE;
    }
}

static void
on_cloud_account_status_changed (CmtdCloudAccount *account,
                                 CmtdDaemon       *self)
{
  CmtCloudAccount *iface = cmt_object_peek_cloud_account (CMT_OBJECT (cmtd_cloud_account_get_object (account)));
  GHashTableIter iter;
  gpointer value;
  gboolean good = credential_status_is_good (cmt_cloud_account_get_status (iface));

  announce_cloud_account (self, account);
  /* The connections renewing with it show its state (AttentionNeeded); a
   * refused token that was replaced (or checked good) clears their stale
   * error, and automatic renewals stopped by it may try again. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (cmtd_connection_get_cloud_account (value) == account)
      {
        if (good)
          cmtd_connection_credential_changed (value, CMT_ERROR_CLOUD_AUTH_FAILED);
        else
          cmtd_connection_refresh (value);
      }
}

static void
on_server_status_changed (CmtdServer *server,
                          CmtdDaemon *self)
{
  CmtServer *iface = cmt_object_peek_server (CMT_OBJECT (cmtd_server_get_object (server)));
  GHashTableIter iter;
  gpointer value;
  gboolean good = credential_status_is_good (cmt_server_get_status (iface));

  announce_server (self, server);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (cmtd_connection_get_server (value) == server)
      {
        if (good)
          cmtd_connection_credential_changed (value, CMT_ERROR_SERVER_AUTH_FAILED);
        else
          cmtd_connection_refresh (value);
      }
}

static void
watch_connection (CmtdDaemon     *self,
                  CmtdConnection *connection)
{
  g_signal_connect (connection, "status-changed", G_CALLBACK (on_connection_status_changed), self);
}

static void
watch_cloud_account (CmtdDaemon       *self,
                     CmtdCloudAccount *account)
{
  g_signal_connect (account, "status-changed", G_CALLBACK (on_cloud_account_status_changed), self);
}

static void
watch_server (CmtdDaemon *self,
              CmtdServer *server)
{
  g_signal_connect (server, "status-changed", G_CALLBACK (on_server_status_changed), self);
}

/* Objects may outlive the daemon a moment (an operation holds them). */
static void
unwatch_all (CmtdDaemon *self)
{
  GHashTable *tables[] = { self->accounts, self->servers, self->connections };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      GHashTableIter iter;
      gpointer value;

      if (tables[i] == NULL)
        continue;
      g_hash_table_iter_init (&iter, tables[i]);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_signal_handlers_disconnect_by_data (value, self);
    }
}

/* The notifier just started: tell it where everything stands (it resolves
 * what was fixed while the service was not running). */
static void
announce_all (CmtdDaemon *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    announce_cloud_account (self, value);
  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    announce_server (self, value);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    announce_connection (self, value);
}

/* ---- loading ---- */

static gboolean
split_group (const char  *group,
             const char  *kind,
             const char **id)
{
  gsize len = strlen (kind);

  if (strncmp (group, kind, len) != 0 || group[len] != ' ')
    return FALSE;
  *id = group + len + 1;
  return TRUE;
}

gboolean
cmtd_daemon_load (CmtdDaemon *self,
                  GError    **error)
{
  GKeyFile *kf;
  g_auto(GStrv) groups = NULL;
  /* Accounts and servers first: connections refer to them. */
  const char *const kinds[] = {
    CMTD_STORE_GROUP_CLOUD_ACCOUNT, CMTD_STORE_GROUP_SERVER, CMTD_STORE_GROUP_CONNECTION,
  };

  if (!cmtd_store_load (self->store, error))
    return FALSE;

  kf = cmtd_store_get_key_file (self->store);
  groups = g_key_file_get_groups (kf, NULL);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; groups[i] != NULL; i++)
      {
        g_autoptr(GError) local_error = NULL;
        const char *id;

        if (!split_group (groups[i], kinds[k], &id))
          continue;
        if (!cmtd_id_is_valid (id))
          {
            g_warning ("%s: ignoring the group [%s]: not a valid id; it is kept as it is",
                       cmtd_store_get_path (self->store), groups[i]);
            continue;
          }

        if (k == 0)
          {
            CmtdCloudAccount *account = cmtd_cloud_account_new_from_key_file (self, kf, groups[i], id, &local_error);
            if (account != NULL)
              {
                g_hash_table_insert (self->accounts, g_strdup (id), account);
                watch_cloud_account (self, account);
              }
          }
        else if (k == 1)
          {
            CmtdServer *server = cmtd_server_new_from_key_file (self, kf, groups[i], id, &local_error);
            if (server != NULL)
              {
                g_hash_table_insert (self->servers, g_strdup (id), server);
                watch_server (self, server);
              }
          }
        else
          {
            CmtdConnection *connection = cmtd_connection_new_from_key_file (self, kf, groups[i], id, &local_error);
            if (connection != NULL)
              {
                g_hash_table_insert (self->connections, g_strdup (id), connection);
                watch_connection (self, connection);
              }
          }
        if (local_error != NULL)
          g_warning ("%s: ignoring the group [%s] (%s); it is kept as it is",
                     cmtd_store_get_path (self->store), groups[i], local_error->message);
      }

  g_debug ("Loaded %s: %u cloud account(s), %u server(s), %u connection(s)",
           cmtd_store_get_path (self->store),
           g_hash_table_size (self->accounts), g_hash_table_size (self->servers),
           g_hash_table_size (self->connections));
  return TRUE;
}

/* ---- the keyring ---- */

/* The group's recorded slot, when the group records one. */
static char *
recorded_slot (CmtdDaemon          *self,
               const CmtdSecretRef *ref)
{
  GKeyFile *kf = cmtd_store_get_key_file (self->store);
  g_autofree char *group = NULL;

  group = g_strdup_printf ("%s %s",
                           ref->kind == CMTD_SECRET_CLOUD_ACCOUNT ? CMTD_STORE_GROUP_CLOUD_ACCOUNT
                                                                  : CMTD_STORE_GROUP_SERVER,
                           ref->object_id);
  return g_key_file_get_string (kf, group, "secret_slot", NULL);
}

typedef struct {
  CmtdDaemon    *self;
  char          *object_id;
  char          *slot;
} Retired;

static void
orphan_cleared (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Retired *retired = user_data;
  g_autoptr(CmtdDaemon) self = retired->self;
  g_autoptr(GError) error = NULL;

  if (!cmtd_secrets_clear_finish (result, &error))
    g_message ("Could not remove a superseded keyring item: %s", error->message);
  else
    {
      cmtd_store_forget_retired (self->store, retired->object_id, retired->slot);
      cmtd_store_save_async (self->store, NULL, NULL);
    }
  g_free (retired->object_id);
  g_free (retired->slot);
  g_free (retired);
  cmtd_daemon_release (self);
}

static void
clear_retired (CmtdDaemon     *self,
               CmtdSecretKind  kind,
               const char     *object_id,
               const char     *slot)
{
  Retired *data = g_new0 (Retired, 1);

  data->self = g_object_ref (self);
  data->object_id = g_strdup (object_id);
  data->slot = g_strdup (slot);
  cmtd_daemon_hold (self);
  cmtd_secrets_clear_async (kind, object_id, slot, self->cancellable, orphan_cleared, data);
}

static gboolean
described_account_exists (CmtdDaemon          *self,
                          const CmtdSecretRef *ref)
{
  const char *email = cmtd_secret_ref_get_attribute (ref, "email");
  const char *site = cmtd_secret_ref_get_attribute (ref, "site");
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (cmtd_cloud_account_get_email (value), email) == 0 &&
        g_strcmp0 (cmtd_cloud_account_get_site_url (value), site) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
described_server_exists (CmtdDaemon          *self,
                         const CmtdSecretRef *ref)
{
  const char *url = cmtd_secret_ref_get_attribute (ref, "url");
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (cmtd_server_get_base_url (value), url) == 0)
      return TRUE;
  return FALSE;
}

/* The newest of @refs for each object that neither the state file nor the
 * service knows, and that carries what describes it. */
static GHashTable *
unknown_described_objects (CmtdDaemon *self,
                           GPtrArray  *refs)
{
  GKeyFile *kf = cmtd_store_get_key_file (self->store);
  GHashTable *newest = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < refs->len; i++)
    {
      CmtdSecretRef *ref = g_ptr_array_index (refs, i);
      gboolean account = ref->kind == CMTD_SECRET_CLOUD_ACCOUNT;
      const char *stored = cmtd_secret_ref_get_attribute (ref, "stored");
      g_autofree char *group = NULL;
      CmtdSecretRef *other;

      /* An Add in progress, or an item of an older cmatoken. */
      if (g_hash_table_contains (self->protected_slots, ref->slot) || stored == NULL ||
          !cmtd_id_is_valid (ref->object_id) || !cmtd_id_is_valid (ref->slot) ||
          g_hash_table_contains (account ? self->accounts : self->servers, ref->object_id) ||
          cmtd_store_slot_is_retired (self->store, ref->object_id, ref->slot))
        continue;
      group = g_strdup_printf ("%s %s", account ? CMTD_STORE_GROUP_CLOUD_ACCOUNT : CMTD_STORE_GROUP_SERVER,
                               ref->object_id);
      if (g_key_file_has_group (kf, group))
        continue;
      /* Added again meanwhile (under another id): this item stays stray. */
      if (account ? described_account_exists (self, ref) : described_server_exists (self, ref))
        continue;
      other = g_hash_table_lookup (newest, ref->object_id);
      if (other != NULL &&
          (other->kind != ref->kind ||
           g_ascii_strtoll (cmtd_secret_ref_get_attribute (other, "stored"), NULL, 10) >=
           g_ascii_strtoll (stored, NULL, 10)))
        continue;
      g_hash_table_insert (newest, ref->object_id, ref);
    }
  return newest;
}

static void
set_or_skip (GKeyFile   *kf,
             const char *group,
             const char *key,
             const char *value)
{
  if (value != NULL)
    g_key_file_set_string (kf, group, key, value);
}

/*
 * Cloud accounts and servers that the state file lost (missing, broken,
 * restored from an old backup) come back from their keyring items'
 * attributes; then the connections that the state file still holds but
 * could not load without them. Their credentials' expiry dates and last
 * checks are not in the keyring: they come back unknown.
 */
static void
rebuild_from_keyring (CmtdDaemon *self,
                      GPtrArray  *refs)
{
  GKeyFile *kf = cmtd_store_get_key_file (self->store);
  g_autoptr(GHashTable) unknown = unknown_described_objects (self, refs);
  g_auto(GStrv) groups = NULL;
  guint accounts = 0, servers = 0, connections = 0;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, unknown);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CmtdSecretRef *ref = value;
      g_autoptr(GError) error = NULL;
      g_autofree char *group = NULL;

      if (ref->kind == CMTD_SECRET_CLOUD_ACCOUNT)
        {
          g_autoptr(CmtdCloudAccount) account = NULL;

          group = g_strdup_printf ("%s %s", CMTD_STORE_GROUP_CLOUD_ACCOUNT, ref->object_id);
          set_or_skip (kf, group, "email", cmtd_secret_ref_get_attribute (ref, "email"));
          set_or_skip (kf, group, "site_url", cmtd_secret_ref_get_attribute (ref, "site"));
          g_key_file_set_string (kf, group, "secret_slot", ref->slot);
          account = cmtd_cloud_account_new_from_key_file (self, kf, group, ref->object_id, &error);
          if (account != NULL)
            {
              g_message ("Rebuilt the cloud account %s (%s, %s) from its keyring item",
                         ref->object_id, cmtd_cloud_account_get_email (account),
                         cmtd_cloud_account_get_site_url (account));
              cmtd_daemon_add_cloud_account (self, account);
              accounts++;
            }
        }
      else
        {
          g_autoptr(CmtdServer) server = NULL;

          group = g_strdup_printf ("%s %s", CMTD_STORE_GROUP_SERVER, ref->object_id);
          set_or_skip (kf, group, "product", cmtd_secret_ref_get_attribute (ref, "product"));
          set_or_skip (kf, group, "base_url", cmtd_secret_ref_get_attribute (ref, "url"));
          set_or_skip (kf, group, "auth_kind", cmtd_secret_ref_get_attribute (ref, "auth"));
          set_or_skip (kf, group, "username", cmtd_secret_ref_get_attribute (ref, "user"));
          g_key_file_set_string (kf, group, "secret_slot", ref->slot);
          server = cmtd_server_new_from_key_file (self, kf, group, ref->object_id, &error);
          if (server != NULL)
            {
              g_message ("Rebuilt the server %s (%s) from its keyring item",
                         ref->object_id, cmtd_server_get_base_url (server));
              cmtd_daemon_add_server (self, server);
              servers++;
            }
        }
      if (error != NULL)
        {
          g_message ("Could not rebuild %s from its keyring item: %s; the item is kept",
                     ref->object_id, error->message);
          g_key_file_remove_group (kf, group, NULL);
        }
    }
  if (accounts + servers == 0)
    return;

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(CmtdConnection) connection = NULL;
      const char *id;

      if (!split_group (groups[i], CMTD_STORE_GROUP_CONNECTION, &id) || !cmtd_id_is_valid (id) ||
          g_hash_table_contains (self->connections, id))
        continue;
      connection = cmtd_connection_new_from_key_file (self, kf, groups[i], id, NULL);
      if (connection == NULL)
        continue;
      g_message ("Loaded the connection %s, whose cloud account or server was rebuilt", id);
      cmtd_daemon_add_connection (self, connection);
      cmtd_connection_refresh (connection);
      connections++;
    }

  cmtd_store_save_async (self->store, NULL, NULL);
  if (self->notifier != NULL)
    {
      g_autofree char *body =
        /* Translators: %1$u, %2$u and %3$u are counts. */
        g_strdup_printf (_("Rebuilt from their keyring items: cloud accounts %1$u, servers %2$u, connections %3$u. The expiry dates of their credentials were not in the keyring: enter them again."),
                         accounts, servers, connections);

      cmtd_notifier_announce (self->notifier, _("Recovered from the Keyring"), body);
    }
}

/*
 * A keyring item is deleted only when the state file positively records
 * its slot as superseded (replaced, or its object removed). An item the
 * state file does not know, because it is missing, broken, restored from a
 * backup, or a crash came between storing the secret and writing the file,
 * is kept and counted.
 */
static void
reconcile_listed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CmtdDaemon) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refs = NULL;
  guint retired = 0;
  guint stray = 0;

  refs = cmtd_secrets_list_finish (result, &error);
  if (refs == NULL)
    {
      g_message ("Could not list the keyring items to tidy them up: %s", error->message);
      self->reconciled = FALSE;
      cmtd_daemon_keyring_result (self, error);
      cmtd_daemon_release (self);
      return;
    }

  if (!self->shutting_down)
    rebuild_from_keyring (self, refs);
  for (guint i = 0; i < refs->len; i++)
    {
      CmtdSecretRef *ref = g_ptr_array_index (refs, i);
      g_autofree char *current = NULL;

      if (self->shutting_down || g_hash_table_contains (self->protected_slots, ref->slot))
        continue;
      current = recorded_slot (self, ref);
      if (g_strcmp0 (current, ref->slot) == 0)
        continue;
      if (!cmtd_store_slot_is_retired (self->store, ref->object_id, ref->slot))
        {
          g_debug ("Keeping the keyring item of %s %s (slot %s): the state file does not name it",
                   ref->kind == CMTD_SECRET_CLOUD_ACCOUNT ? "cloud account" : "server",
                   ref->object_id, ref->slot);
          stray++;
          continue;
        }
      g_debug ("Removing the superseded keyring item of %s %s (slot %s)",
               ref->kind == CMTD_SECRET_CLOUD_ACCOUNT ? "cloud account" : "server",
               ref->object_id, ref->slot);
      retired++;
      clear_retired (self, ref->kind, ref->object_id, ref->slot);
    }
  if (stray > 0)
    g_message ("The keyring holds %u item(s) of cmatoken that the state file does not name; they are kept", stray);
  g_debug ("Keyring: %u item(s), %u superseded, %u kept unnamed", refs->len, retired, stray);
  self->stray_items = stray;
  if (self->manager != NULL)
    cmtd_manager_update_properties (self->manager);
  cmtd_daemon_release (self);
}

guint
cmtd_daemon_get_stray_keyring_items (CmtdDaemon *self)
{
  return self->stray_items;
}

static void
reconcile (CmtdDaemon *self)
{
  if (self->reconciled || self->shutting_down)
    return;
  self->reconciled = TRUE;
  cmtd_daemon_hold (self);
  cmtd_secrets_list_async (self->cancellable, reconcile_listed, g_object_ref (self));
}

static void
set_keyring_state (CmtdDaemon       *self,
                   CmtdKeyringState  state)
{
  if (self->keyring_state == state)
    return;
  GHashTableIter iter;
  gpointer value;

  g_debug ("Keyring: %s", cmtd_keyring_state_to_string (state));
  self->keyring_state = state;
  if (self->manager != NULL)
    cmtd_manager_update_properties (self->manager);

  /* Automatic renewals wait while the keyring is locked or missing, and
   * the ones that met a locked keyring go again at once when it opens. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (state == CMTD_KEYRING_UNLOCKED)
        cmtd_connection_keyring_unlocked (value);
      else
        cmtd_connection_refresh (value);
    }
}

static void
keyring_state_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CmtdDaemon) self = user_data;
  g_autoptr(GError) error = NULL;
  CmtdKeyringState state;

  state = cmtd_secrets_get_state_finish (result, &error);
  self->state_query_running = FALSE;
  cmtd_error_to_cmt (&error);
  if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CANCELLED))
    {
      cmtd_daemon_release (self);
      return;
    }
  if (error != NULL)
    {
      g_message ("Cannot tell the keyring's state: %s", error->message);
      if (g_error_matches (error, CMT_ERROR, CMT_ERROR_KEYRING_UNAVAILABLE))
        state = CMTD_KEYRING_UNAVAILABLE;
      else if (g_error_matches (error, CMT_ERROR, CMT_ERROR_KEYRING_LOCKED))
        state = CMTD_KEYRING_LOCKED;
    }
  set_keyring_state (self, state);
  /* Only the instance that owns the name may touch the keyring's items. */
  if (state == CMTD_KEYRING_UNLOCKED && self->name_acquired)
    reconcile (self);

  if (self->state_query_again)
    {
      self->state_query_again = FALSE;
      refresh_keyring_state (self);
    }
  /* Clients see a known KeyringState from the start. */
  own_name (self);
  cmtd_daemon_release (self);
}

static void
refresh_keyring_state (CmtdDaemon *self)
{
  if (self->shutting_down)
    return;
  if (self->state_query_running)
    {
      self->state_query_again = TRUE;
      return;
    }
  self->state_query_running = TRUE;
  cmtd_daemon_hold (self);
  cmtd_secrets_get_state_async (self->cancellable, keyring_state_done, g_object_ref (self));
}

void
cmtd_daemon_keyring_result (CmtdDaemon   *self,
                            const GError *error)
{
  if (error == NULL)
    {
      if (self->keyring_state != CMTD_KEYRING_UNLOCKED)
        refresh_keyring_state (self);
      return;
    }
  if (error->domain == CMT_ERROR &&
      (error->code == CMT_ERROR_KEYRING_LOCKED || error->code == CMT_ERROR_KEYRING_UNAVAILABLE ||
       error->code == CMT_ERROR_FAILED))
    refresh_keyring_state (self);
}

static void
on_secrets_appeared (GDBusConnection *bus,
                     const char      *name,
                     const char      *owner,
                     gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  g_debug ("The Secret Service appeared (%s)", owner);
  /* A new keyring daemon: forget the old proxy, and tidy up once more. */
  if (self->secrets_owner != NULL && g_strcmp0 (self->secrets_owner, owner) != 0)
    {
      cmtd_secrets_reset ();
      self->reconciled = FALSE;
    }
  g_free (self->secrets_owner);
  self->secrets_owner = g_strdup (owner);
  refresh_keyring_state (self);
}

static void
on_secrets_vanished (GDBusConnection *bus,
                     const char      *name,
                     gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  /* Absent at start may only mean "not started yet": the state query
   * activates it. Gone after being seen means gone. */
  if (self->secrets_owner != NULL)
    {
      g_message ("The Secret Service left the bus; secrets are unavailable until it comes back");
      cmtd_secrets_reset ();
      g_clear_pointer (&self->secrets_owner, g_free);
      self->reconciled = FALSE;
      set_keyring_state (self, CMTD_KEYRING_UNAVAILABLE);
    }
}

void
cmtd_daemon_protect_slot (CmtdDaemon *self,
                          const char *slot)
{
  guint count;

  if (slot == NULL)
    return;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->protected_slots, slot));
  g_hash_table_insert (self->protected_slots, g_strdup (slot), GUINT_TO_POINTER (count + 1));
}

void
cmtd_daemon_unprotect_slot (CmtdDaemon *self,
                            const char *slot)
{
  guint count;
  CmtdSecretRef *deferred;

  if (slot == NULL)
    return;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->protected_slots, slot));
  if (count > 1)
    {
      g_hash_table_insert (self->protected_slots, g_strdup (slot), GUINT_TO_POINTER (count - 1));
      return;
    }
  g_hash_table_remove (self->protected_slots, slot);
  deferred = g_hash_table_lookup (self->deferred_clears, slot);
  if (deferred == NULL)
    return;
  /* The last renewal that used a replaced credential is done. */
  if (!self->shutting_down &&
      cmtd_store_slot_is_retired (self->store, deferred->object_id, deferred->slot))
    {
      g_debug ("Clearing the superseded slot %s of %s, no longer in use", slot, deferred->object_id);
      clear_retired (self, deferred->kind, deferred->object_id, deferred->slot);
    }
  g_hash_table_remove (self->deferred_clears, slot);
}

static void
superseded_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CmtdDaemon *self = g_task_get_source_object (task);
  CmtdSecretRef *ref = g_task_get_task_data (task);
  GError *error = NULL;

  if (!cmtd_secrets_clear_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cmtd_store_forget_retired (self->store, ref->object_id, ref->slot);
  g_task_return_boolean (task, TRUE);
}

void
cmtd_daemon_clear_superseded_slot_async (CmtdDaemon          *self,
                                         CmtdSecretKind       kind,
                                         const char          *object_id,
                                         const char          *slot,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  CmtdSecretRef *ref = g_new0 (CmtdSecretRef, 1);

  ref->kind = kind;
  ref->object_id = g_strdup (object_id);
  ref->slot = g_strdup (slot);
  if (g_hash_table_contains (self->protected_slots, slot))
    {
      g_debug ("Keeping the superseded slot %s of %s until the renewal using it is done", slot, object_id);
      g_hash_table_insert (self->deferred_clears, g_strdup (slot), ref);
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_task_set_task_data (task, ref, (GDestroyNotify) cmtd_secret_ref_free);
  cmtd_secrets_clear_async (kind, object_id, slot, NULL, superseded_cleared, g_steal_pointer (&task));
}

gboolean
cmtd_daemon_clear_superseded_slot_finish (CmtdDaemon    *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the bus ---- */

static void
on_collection_changed (GDBusConnection *bus,
                       const char      *sender,
                       const char      *path,
                       const char      *interface,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  g_debug ("A keyring collection changed");
  refresh_keyring_state (self);
}

static void
export_object (CmtdDaemon          *self,
               GDBusObjectSkeleton *object)
{
  g_dbus_object_manager_server_export (self->object_manager, object);
}

static void
on_bus_acquired (GDBusConnection *bus,
                 const char      *name,
                 gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  g_debug ("Connected to the session bus");
  self->bus = g_object_ref (bus);
  g_dbus_object_manager_server_set_connection (self->object_manager, bus);
  self->secrets_watch = g_bus_watch_name_on_connection (bus, "org.freedesktop.secrets",
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                        on_secrets_appeared, on_secrets_vanished,
                                                        self, NULL);
  /* Locking and unlocking a collection: KeyringState follows without a
   * client having to try, and waiting automatic renewals start. */
  self->collection_subscription =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.secrets",
                                        "org.freedesktop.Secret.Service", "CollectionChanged",
                                        "/org/freedesktop/secrets", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_collection_changed,
                                        self, NULL);
}

static void
on_name_acquired (GDBusConnection *bus,
                  const char      *name,
                  gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  g_autofree char *notifications_path = NULL;
  GHashTableIter iter;
  gpointer value;

  g_debug ("Owning %s", name);
  self->name_acquired = TRUE;
  if (self->keyring_state == CMTD_KEYRING_UNLOCKED)
    reconcile (self);
  if (self->shutting_down)
    return;

  notifications_path = g_build_filename (g_get_user_state_dir (), "cmatoken", "notifications.ini", NULL);
  self->notifier = cmtd_notifier_new (bus, notifications_path);
  if (cmtd_store_get_moved_to (self->store) != NULL)
    {
      g_autofree char *body =
        g_strdup_printf (_("It was moved to %s. Everything that could be read from it was recovered, and no stored credential was deleted. To bring back the rest, see “Recovery” in the README."),
                         cmtd_store_get_moved_to (self->store));

      cmtd_notifier_announce (self->notifier, _("The State File Could Not Be Read"), body);
    }
  announce_all (self);
  sync_background (self);

  /* Automatic renewals may start now. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cmtd_connection_refresh (value);
}

static void
on_name_lost (GDBusConnection *bus,
              const char      *name,
              gpointer         user_data)
{
  CmtdDaemon *self = user_data;

  if (bus == NULL)
    {
      g_printerr ("%s\n", _("cmatokend: cannot connect to the session bus."));
      self->exit_code = 1;
    }
  else if (!self->name_acquired)
    {
      g_printerr (_("cmatokend: another instance owns %s. Stop it, or start this one with --replace.\n"), name);
      self->exit_code = 1;
    }
  else
    {
      g_message ("Another instance took over %s; exiting", name);
      /* Unowning a name we lost only makes GDBus warn about ReleaseName's
       * answer; GLib keeps the registration reachable until exit. */
      self->owner_id = 0;
      /* The new owner notifies from now on; ours writes its last state now. */
      g_clear_object (&self->notifier);
    }
  cmtd_daemon_shutdown (self);
}

static void
own_name (CmtdDaemon *self)
{
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&self->own_timeout, g_source_remove);
  if (self->owner_id != 0 || self->shutting_down)
    return;

  export_object (self, cmtd_manager_get_object (self->manager));
  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    export_object (self, cmtd_cloud_account_get_object (value));
  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    export_object (self, cmtd_server_get_object (value));
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    export_object (self, cmtd_connection_get_object (value));

  self->owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, CMT_DAEMON_BUS_NAME, self->owner_flags,
                                   on_bus_acquired, on_name_acquired, on_name_lost,
                                   self, NULL);
}

static gboolean
on_own_timeout (gpointer user_data)
{
  CmtdDaemon *self = user_data;

  self->own_timeout = 0;
  g_message ("The keyring does not answer; starting without knowing its state");
  own_name (self);
  return G_SOURCE_REMOVE;
}

/* ---- resume from suspend ---- */

static void
on_prepare_for_sleep (GDBusConnection *bus,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  CmtdDaemon *self = user_data;
  gboolean going_to_sleep;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (going_to_sleep || self->shutting_down)
    return;
  /* The timerfd reports most resumes by itself (the wall clock is set);
   * this covers the rest, and costs one pass over the objects. */
  g_message ("The machine resumed: re-evaluating every deadline");
  cmtd_clock_wake_all (self->clock);
}

static void
drop_system_bus (CmtdDaemon *self)
{
  if (self->system_bus == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->system_bus, self);
  if (self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
}

static void
on_system_bus_closed (GDBusConnection *bus,
                      gboolean         remote_peer_vanished,
                      GError          *error,
                      CmtdDaemon      *self)
{
  g_message ("The system bus went away; resumes are noticed through the wall clock alone");
  drop_system_bus (self);
}

static void
on_system_bus (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CmtdDaemon) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus (%s); resumes are noticed through the wall clock alone",
                 error->message);
    }
  else if (self->shutting_down || self->system_bus != NULL)
    g_object_unref (bus);
  else
    {
      self->system_bus = bus;
      /* GLib would end the whole process with the system bus: it is only
       * a nicety here. */
      g_dbus_connection_set_exit_on_close (bus, FALSE);
      g_signal_connect (bus, "closed", G_CALLBACK (on_system_bus_closed), self);
      /* logind may not be running (yet): a match rule costs nothing. */
      self->sleep_subscription =
        g_dbus_connection_signal_subscribe (bus, "org.freedesktop.login1",
                                            "org.freedesktop.login1.Manager", "PrepareForSleep",
                                            "/org/freedesktop/login1", NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_prepare_for_sleep,
                                            self, NULL);
      g_debug ("Watching logind for resumes");
    }
  cmtd_daemon_release (self);
}

void
cmtd_daemon_start (CmtdDaemon *self,
                   gboolean    replace)
{
  /* Not queued: a second instance exits rather than waiting in line. */
  self->owner_flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT | G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE;
  if (replace)
    self->owner_flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;

  /* The name is taken once the keyring's state is known (or after a while). */
  self->own_timeout = g_timeout_add_seconds (5, on_own_timeout, self);
  refresh_keyring_state (self);

  cmtd_daemon_hold (self);
  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, on_system_bus, g_object_ref (self));
}

/* ---- shutdown ---- */

static void
finish_if_idle (CmtdDaemon *self)
{
  if (!self->shutting_down || self->finished)
    return;
  if (self->holds > 0 || !self->store_idle || !cmtd_store_is_idle (self->store))
    return;
  self->finished = TRUE;
  g_clear_handle_id (&self->shutdown_timeout, g_source_remove);
  g_debug ("Shut down");
  g_signal_emit (self, signals[FINISHED], 0);
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  CmtdDaemon *self = user_data;

  self->shutdown_timeout = 0;
  g_warning ("%u operation(s) did not finish in time; exiting anyway", self->holds);
  self->finished = TRUE;
  g_signal_emit (self, signals[FINISHED], 0);
  return G_SOURCE_REMOVE;
}

static void
on_store_idle (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CmtdDaemon) self = user_data;

  cmtd_store_wait_idle_finish (self->store, result, NULL);
  self->store_idle = TRUE;
  finish_if_idle (self);
}

void
cmtd_daemon_shutdown (CmtdDaemon *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->shutting_down)
    return;
  g_debug ("Shutting down");
  self->shutting_down = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cmtd_connection_cancel_renewal (value);

  self->shutdown_timeout = g_timeout_add_seconds (SHUTDOWN_TIMEOUT_SECONDS, on_shutdown_timeout, self);
  /* Every change was written when it was made: only wait for writes in
   * flight. (A replaced or second instance must not write its copy over
   * the file another instance owns now.) */
  cmtd_store_wait_idle_async (self->store, on_store_idle, g_object_ref (self));
}

int
cmtd_daemon_get_exit_code (CmtdDaemon *self)
{
  return self->exit_code;
}

void
cmtd_daemon_hold (CmtdDaemon *self)
{
  self->holds++;
}

void
cmtd_daemon_release (CmtdDaemon *self)
{
  g_return_if_fail (self->holds > 0);
  self->holds--;
  finish_if_idle (self);
}

/* ---- registry ---- */

void
cmtd_daemon_add_cloud_account (CmtdDaemon       *self,
                               CmtdCloudAccount *account)
{
  g_hash_table_insert (self->accounts, g_strdup (cmtd_cloud_account_get_id (account)),
                       g_object_ref (account));
  watch_cloud_account (self, account);
  export_object (self, cmtd_cloud_account_get_object (account));
  announce_cloud_account (self, account);
}

void
cmtd_daemon_add_server (CmtdDaemon *self,
                        CmtdServer *server)
{
  g_hash_table_insert (self->servers, g_strdup (cmtd_server_get_id (server)), g_object_ref (server));
  watch_server (self, server);
  export_object (self, cmtd_server_get_object (server));
  announce_server (self, server);
}

void
cmtd_daemon_add_connection (CmtdDaemon     *self,
                            CmtdConnection *connection)
{
  g_hash_table_insert (self->connections, g_strdup (cmtd_connection_get_id (connection)),
                       g_object_ref (connection));
  watch_connection (self, connection);
  export_object (self, cmtd_connection_get_object (connection));
  announce_connection (self, connection);
  sync_background (self);
}

static void
unexport (CmtdDaemon *self,
          const char *path)
{
  g_dbus_object_manager_server_unexport (self->object_manager, path);
}

void
cmtd_daemon_remove_cloud_account (CmtdDaemon       *self,
                                  CmtdCloudAccount *account)
{
  unexport (self, cmtd_cloud_account_get_path (account));
  g_signal_handlers_disconnect_by_data (account, self);
  if (self->notifier != NULL)
    cmtd_notifier_forget (self->notifier, cmtd_cloud_account_get_id (account));
  g_hash_table_remove (self->accounts, cmtd_cloud_account_get_id (account));
}

void
cmtd_daemon_remove_server (CmtdDaemon *self,
                           CmtdServer *server)
{
  unexport (self, cmtd_server_get_path (server));
  g_signal_handlers_disconnect_by_data (server, self);
  if (self->notifier != NULL)
    cmtd_notifier_forget (self->notifier, cmtd_server_get_id (server));
  g_hash_table_remove (self->servers, cmtd_server_get_id (server));
}

void
cmtd_daemon_remove_connection (CmtdDaemon     *self,
                               CmtdConnection *connection)
{
  unexport (self, cmtd_connection_get_path (connection));
  g_signal_handlers_disconnect_by_data (connection, self);
  if (self->notifier != NULL)
    cmtd_notifier_forget (self->notifier, cmtd_connection_get_id (connection));
  g_hash_table_remove (self->connections, cmtd_connection_get_id (connection));
  sync_background (self);
}

static const char *
id_from_path (const char *path,
              const char *prefix)
{
  gsize len = strlen (prefix);

  if (path == NULL || strncmp (path, prefix, len) != 0 || path[len] != '/')
    return NULL;
  return path + len + 1;
}

CmtdCloudAccount *
cmtd_daemon_find_cloud_account (CmtdDaemon *self,
                                const char *object_path)
{
  const char *id = id_from_path (object_path, CMT_CLOUD_ACCOUNTS_PATH);
  CmtdCloudAccount *account = id != NULL ? g_hash_table_lookup (self->accounts, id) : NULL;

  return account != NULL && !cmtd_cloud_account_is_removed (account) ? account : NULL;
}

CmtdServer *
cmtd_daemon_find_server (CmtdDaemon *self,
                         const char *object_path)
{
  const char *id = id_from_path (object_path, CMT_SERVERS_PATH);
  CmtdServer *server = id != NULL ? g_hash_table_lookup (self->servers, id) : NULL;

  return server != NULL && !cmtd_server_is_removed (server) ? server : NULL;
}

CmtdCloudAccount *
cmtd_daemon_find_cloud_account_by_email (CmtdDaemon *self,
                                         const char *email,
                                         const char *site_url)
{
  g_autofree char *folded = g_utf8_casefold (email, -1);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->accounts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_autofree char *other = g_utf8_casefold (cmtd_cloud_account_get_email (value), -1);
      if (!cmtd_cloud_account_is_removed (value) &&
          g_str_equal (folded, other) &&
          g_str_equal (site_url, cmtd_cloud_account_get_site_url (value)))
        return value;
    }
  return NULL;
}

CmtdServer *
cmtd_daemon_find_server_by_url (CmtdDaemon *self,
                                const char *product,
                                const char *base_url)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->servers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!cmtd_server_is_removed (value) &&
        g_str_equal (product, cmtd_server_get_product (value)) &&
        g_str_equal (base_url, cmtd_server_get_base_url (value)))
      return value;
  return NULL;
}

CmtdConnection *
cmtd_daemon_find_connection_by_site (CmtdDaemon *self,
                                     CmtdServer *server,
                                     const char *cloud_site_url)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!cmtd_connection_is_removed (value) &&
        cmtd_connection_get_server (value) == server &&
        g_str_equal (cloud_site_url, cmtd_connection_get_cloud_site_url (value)))
      return value;
  return NULL;
}

gboolean
cmtd_daemon_cloud_account_in_use (CmtdDaemon       *self,
                                  CmtdCloudAccount *account)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (cmtd_connection_get_cloud_account (value) == account ||
        cmtd_connection_get_renew_account (value) == account)
      return TRUE;
  return FALSE;
}

gboolean
cmtd_daemon_server_in_use (CmtdDaemon *self,
                           CmtdServer *server)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (cmtd_connection_get_server (value) == server)
      return TRUE;
  return FALSE;
}

char *
cmtd_daemon_new_id (CmtdDaemon *self)
{
  GKeyFile *kf = cmtd_store_get_key_file (self->store);

  for (;;)
    {
      g_autofree char *id = cmtd_new_id ();
      g_autofree char *g1 = g_strdup_printf ("%s %s", CMTD_STORE_GROUP_CLOUD_ACCOUNT, id);
      g_autofree char *g2 = g_strdup_printf ("%s %s", CMTD_STORE_GROUP_SERVER, id);
      g_autofree char *g3 = g_strdup_printf ("%s %s", CMTD_STORE_GROUP_CONNECTION, id);

      if (g_hash_table_contains (self->accounts, id) ||
          g_hash_table_contains (self->servers, id) ||
          g_hash_table_contains (self->connections, id) ||
          g_key_file_has_group (kf, g1) || g_key_file_has_group (kf, g2) ||
          g_key_file_has_group (kf, g3))
        continue;
      return g_steal_pointer (&id);
    }
}

/* ---- renewal slots ---- */

gboolean
cmtd_daemon_acquire_renewal_slot (CmtdDaemon     *self,
                                  CmtdConnection *connection)
{
  if (self->renewals_running < CMTD_MAX_PARALLEL_RENEWALS)
    {
      self->renewals_running++;
      return TRUE;
    }
  g_queue_push_tail (&self->renewal_queue, g_object_ref (connection));
  return FALSE;
}

void
cmtd_daemon_release_renewal_slot (CmtdDaemon *self)
{
  g_autoptr(CmtdConnection) next = NULL;

  g_return_if_fail (self->renewals_running > 0);
  next = g_queue_pop_head (&self->renewal_queue);
  if (next == NULL)
    {
      self->renewals_running--;
      return;
    }
  /* The slot passes straight to the next in line. */
  cmtd_connection_renewal_slot_granted (next);
}

void
cmtd_daemon_dequeue_renewal (CmtdDaemon     *self,
                             CmtdConnection *connection)
{
  if (g_queue_remove (&self->renewal_queue, connection))
    g_object_unref (connection);
}

/* ---- accessors ---- */

CmtdHistory *
cmtd_daemon_get_history (CmtdDaemon *self)
{
  return self->history;
}

CmtdNotifier *
cmtd_daemon_get_notifier (CmtdDaemon *self)
{
  return self->notifier;
}

CmtdStore *
cmtd_daemon_get_store (CmtdDaemon *self)
{
  return self->store;
}

CmtdClock *
cmtd_daemon_get_clock (CmtdDaemon *self)
{
  return self->clock;
}

CmtdAtlassian *
cmtd_daemon_get_atlassian (CmtdDaemon *self)
{
  return self->atlassian;
}

GCancellable *
cmtd_daemon_get_cancellable (CmtdDaemon *self)
{
  return self->cancellable;
}

gint64
cmtd_daemon_now (CmtdDaemon *self)
{
  return cmtd_clock_now (self->clock);
}

gint64
cmtd_daemon_get_lifetime (CmtdDaemon *self)
{
  return self->lifetime;
}

gint64
cmtd_daemon_get_warn_before (CmtdDaemon *self)
{
  return self->warn_before;
}

gint64
cmtd_daemon_get_credential_warn_before (CmtdDaemon *self)
{
  return self->credential_warn_before;
}

gint64
cmtd_daemon_get_auto_renew_before (CmtdDaemon *self)
{
  return self->auto_renew_before;
}

gint64
cmtd_daemon_get_backoff_base (CmtdDaemon *self)
{
  return self->backoff_base;
}

gboolean
cmtd_daemon_may_auto_renew (CmtdDaemon *self)
{
  return self->name_acquired && !self->shutting_down &&
         self->keyring_state != CMTD_KEYRING_LOCKED &&
         self->keyring_state != CMTD_KEYRING_UNAVAILABLE;
}

CmtdKeyringState
cmtd_daemon_get_keyring_state (CmtdDaemon *self)
{
  return self->keyring_state;
}

void
cmtd_daemon_save_async (CmtdDaemon          *self,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  cmtd_store_save_async (self->store, callback, user_data);
}

gboolean
cmtd_daemon_save_finish (CmtdDaemon   *self,
                         GAsyncResult *result,
                         GError      **error)
{
  return cmtd_store_save_finish (self->store, result, error);
}

/* ---- object ---- */

static void
cmtd_daemon_dispose (GObject *object)
{
  CmtdDaemon *self = CMTD_DAEMON (object);

  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  g_clear_handle_id (&self->secrets_watch, g_bus_unwatch_name);
  g_clear_handle_id (&self->shutdown_timeout, g_source_remove);
  g_clear_handle_id (&self->own_timeout, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);

  if (self->collection_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->collection_subscription);
  self->collection_subscription = 0;
  drop_system_bus (self);
  /* Writes what it announced; main() lets the loop run once afterwards. */
  g_clear_object (&self->notifier);
  unwatch_all (self);

  g_queue_clear_full (&self->renewal_queue, g_object_unref);
  /* Connections first: they hold the accounts and servers. */
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->accounts, g_hash_table_unref);
  g_clear_pointer (&self->servers, g_hash_table_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->bus);
  g_clear_object (&self->atlassian);
  g_clear_object (&self->clock);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cmtd_daemon_parent_class)->dispose (object);
}

static void
cmtd_daemon_finalize (GObject *object)
{
  CmtdDaemon *self = CMTD_DAEMON (object);

  g_clear_pointer (&self->protected_slots, g_hash_table_unref);
  g_clear_pointer (&self->deferred_clears, g_hash_table_unref);
  g_clear_object (&self->history);
  g_free (self->secrets_owner);

  G_OBJECT_CLASS (cmtd_daemon_parent_class)->finalize (object);
}

static void
cmtd_daemon_class_init (CmtdDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmtd_daemon_dispose;
  object_class->finalize = cmtd_daemon_finalize;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 0);
}

static void
cmtd_daemon_init (CmtdDaemon *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->background_synced = -1;
  self->protected_slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->deferred_clears = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) cmtd_secret_ref_free);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->renewal_queue);
  self->backoff_base = CMTD_BACKOFF_BASE_SECONDS;
  if (g_getenv ("CMATOKEN_BACKOFF_BASE_SECONDS") != NULL)
    {
      /* For tests: a retry within seconds instead of minutes. */
      self->backoff_base = CLAMP (g_ascii_strtoll (g_getenv ("CMATOKEN_BACKOFF_BASE_SECONDS"), NULL, 10),
                                  1, CMTD_BACKOFF_MAX_SECONDS);
      g_message ("Automatic renewal retries after %" G_GINT64_FORMAT " s at first ($CMATOKEN_BACKOFF_BASE_SECONDS)",
                 self->backoff_base);
    }
}

CmtdDaemon *
cmtd_daemon_new (const char *state_path)
{
  CmtdDaemon *self = g_object_new (CMTD_TYPE_DAEMON, NULL);

  g_autofree char *dir = g_path_get_dirname (state_path);
  g_autofree char *history_path = g_build_filename (dir, "history.jsonl", NULL);

  self->store = cmtd_store_new (state_path);
  self->clock = cmtd_clock_new ();
  self->history = cmtd_history_new (history_path, self->clock);
  self->atlassian = cmtd_atlassian_new (NULL, 2 * CMTD_MAX_PARALLEL_RENEWALS);
  self->object_manager = g_dbus_object_manager_server_new (CMT_OBJECT_MANAGER_PATH);
  setup_settings (self);
  self->manager = cmtd_manager_new (self);
  return self;
}
