/* cmtd-secrets.c: cmatokend's credentials in the keyring, through libsecret */
#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "cmt-error.h"
#include "cmtd-atlassian.h"
#include "cmtd-secrets.h"

/*
 * Everything goes through the D-Bus paths API of libsecret: it never unlocks
 * and never prompts on its own (secret_password_store() would prompt to
 * unlock a locked collection), and it reads the Locked state from the
 * service instead of a cached proxy.
 */

#define SECRET_BUS_NAME        "org.freedesktop.secrets"
#define SECRET_COLLECTION_IFACE "org.freedesktop.Secret.Collection"
#define SECRET_ITEM_IFACE      "org.freedesktop.Secret.Item"
#define DBUS_PROPERTIES_IFACE  "org.freedesktop.DBus.Properties"

static const SecretSchema credential_schema = {
  "io.github.cmatoken.Credential", SECRET_SCHEMA_NONE,
  {
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "object", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "slot", SECRET_SCHEMA_ATTRIBUTE_STRING },
    /* What names the object, so that it can be rebuilt from the keyring
     * alone when the state file is lost (none of them is a secret). */
    { "stored", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "site", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "product", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "auth", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static const char *
kind_to_string (CmtdSecretKind kind)
{
  switch (kind)
    {
    case CMTD_SECRET_CLOUD_ACCOUNT:
      return "cloud-account";
    case CMTD_SECRET_SERVER:
      return "server";
    default:
      return NULL;
    }
}

static gboolean
kind_from_string (const char     *str,
                  CmtdSecretKind *kind)
{
  if (g_strcmp0 (str, "cloud-account") == 0)
    *kind = CMTD_SECRET_CLOUD_ACCOUNT;
  else if (g_strcmp0 (str, "server") == 0)
    *kind = CMTD_SECRET_SERVER;
  else
    return FALSE;
  return TRUE;
}

void
cmtd_secret_ref_free (CmtdSecretRef *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->object_id);
  g_free (ref->slot);
  g_clear_pointer (&ref->attributes, g_variant_unref);
  g_free (ref);
}

const char *
cmtd_secret_ref_get_attribute (const CmtdSecretRef *ref,
                               const char          *name)
{
  const char *value = NULL;

  if (ref->attributes == NULL || !g_variant_lookup (ref->attributes, name, "&s", &value))
    return NULL;
  return value;
}

/* The attributes a caller may add to describe the object. */
static gboolean
is_description_key (const char *key)
{
  const char *const keys[] = { "site", "email", "product", "url", "auth", "user" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_strcmp0 (key, keys[i]) == 0)
      return TRUE;
  return FALSE;
}

const char *
cmtd_keyring_state_to_string (CmtdKeyringState state)
{
  switch (state)
    {
    case CMTD_KEYRING_UNLOCKED:
      return "unlocked";
    case CMTD_KEYRING_LOCKED:
      return "locked";
    case CMTD_KEYRING_UNAVAILABLE:
      return "unavailable";
    case CMTD_KEYRING_UNKNOWN:
    default:
      return "unknown";
    }
}

void
cmtd_secrets_reset (void)
{
  secret_service_disconnect ();
}

/* ---- errors ------------------------------------------------------------------ */

/* Secret Service errors libsecret does not register: without this they
 * arrive as G_IO_ERROR_DBUS_ERROR, and libsecret strips the name. */
typedef enum {
  SERVICE_ERROR_NO_SESSION,
} ServiceError;

static GQuark
service_error_quark (void)
{
  static gsize quark = 0;
  static const GDBusErrorEntry entries[] = {
    { SERVICE_ERROR_NO_SESSION, "org.freedesktop.Secret.Error.NoSession" },
  };

  g_dbus_error_register_error_domain ("cmtd-secret-service-error", &quark,
                                      entries, G_N_ELEMENTS (entries));
  return (GQuark) quark;
}

/* The session we opened died with the keyring daemon, which was restarted. */
static gboolean
error_is_stale_session (const GError *error)
{
  return g_error_matches (error, service_error_quark (), SERVICE_ERROR_NO_SESSION);
}

static gboolean
error_is_locked (const GError *error)
{
  g_autofree char *remote = NULL;

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return TRUE;
  remote = g_dbus_error_get_remote_error (error);
  return g_strcmp0 (remote, "org.freedesktop.Secret.Error.IsLocked") == 0;
}

static gboolean
error_is_unavailable (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_TIMEOUT:
          return TRUE;
        default:
          break;
        }
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return TRUE;
  return error_is_stale_session (error);
}

static GError *
unavailable_error (void)
{
  return g_error_new_literal (CMT_ERROR, CMT_ERROR_KEYRING_UNAVAILABLE,
                              _("No keyring service is running, so cmatoken cannot reach its credentials. Start GNOME Keyring (or another Secret Service), for example by logging in again, then try again."));
}

static GError *
no_default_collection_error (void)
{
  return g_error_new_literal (CMT_ERROR, CMT_ERROR_KEYRING_UNAVAILABLE,
                              _("The keyring has no default collection to keep credentials in. Create a default keyring in Passwords and Keys, then try again."));
}

static GError *
locked_error (void)
{
  return g_error_new_literal (CMT_ERROR, CMT_ERROR_KEYRING_LOCKED,
                              _("The keyring is locked, so cmatoken cannot reach its credentials. Unlock the keyring, for example by logging in again or in Passwords and Keys, then try again."));
}

/* Turns an error from libsecret or GDBus into one in CMT_ERROR. */
static GError *
map_error (const GError *error)
{
  if (error->domain == CMT_ERROR)
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (CMT_ERROR, CMT_ERROR_CANCELLED,
                                _("The keyring operation was cancelled."));

  if (error_is_locked (error))
    return locked_error ();

  if (error_is_unavailable (error))
    {
      /* The next call connects afresh, to a restarted keyring. */
      secret_service_disconnect ();
      return unavailable_error ();
    }

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT))
    return g_error_new_literal (CMT_ERROR, CMT_ERROR_NOT_FOUND,
                                _("The credential is no longer in the keyring. Enter it again."));

  return g_error_new (CMT_ERROR, CMT_ERROR_FAILED,
                      /* Translators: %s is the keyring's own error message */
                      _("The keyring reported an error: %s. Try again; if it keeps failing, log out and in again to restart the keyring."),
                      error->message);
}

/* How an operation starts from scratch, for a retry. */
typedef void (*StartFunc) (GTask *task);

static void
set_restart (GTask     *task,
             StartFunc  start)
{
  g_object_set_data (G_OBJECT (task), "cmtd-restart", start);
}

/* Fails @task with @error (taken) mapped into CMT_ERROR, except the first
 * time an operation meets a stale session: then it starts again on a fresh
 * connection. The caller drops its reference on @task either way. */
static void
task_return_mapped (GTask  *task,
                    GError *error)
{
  StartFunc start = g_object_get_data (G_OBJECT (task), "cmtd-restart");

  if (start != NULL && error_is_stale_session (error) &&
      g_object_get_data (G_OBJECT (task), "cmtd-retried") == NULL)
    {
      g_debug ("The keyring was restarted; connecting again");
      g_error_free (error);
      secret_service_disconnect ();
      g_object_set_data (G_OBJECT (task), "cmtd-retried", GINT_TO_POINTER (TRUE));
      start (g_object_ref (task));
      return;
    }
  g_task_return_error (task, map_error (error));
  g_error_free (error);
}

/* ---- shared steps ---------------------------------------------------------------- */

static GHashTable *
make_attributes (CmtdSecretKind  kind,
                 const char     *object_id,
                 const char     *slot)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  if (kind_to_string (kind) != NULL)
    g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind_to_string (kind));
  if (object_id != NULL)
    g_hash_table_insert (attributes, (gpointer) "object", (gpointer) object_id);
  if (slot != NULL)
    g_hash_table_insert (attributes, (gpointer) "slot", (gpointer) slot);
  return attributes;
}

static gboolean
check_args (GTask          *task,
            CmtdSecretKind  kind,
            const char     *object_id)
{
  if (kind_to_string (kind) != NULL && object_id != NULL && *object_id != '\0')
    return TRUE;
  g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The keyring item to use is not named. This is a bug in cmatoken; please report it."));
  g_object_unref (task);
  return FALSE;
}

static void
get_service (GTask               *task,
             GAsyncReadyCallback  callback)
{
  /* Registered before any call, so that GDBus builds errors in it. */
  service_error_quark ();
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, g_task_get_cancellable (task), callback, task);
}

/* Reads a property of an object of the Secret Service, straight from the
 * service rather than from a proxy's cache. */
static void
get_property (SecretService       *service,
              const char          *path,
              const char          *iface,
              const char          *name,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GDBusProxy *proxy = G_DBUS_PROXY (service);

  g_dbus_connection_call (g_dbus_proxy_get_connection (proxy),
                          g_dbus_proxy_get_name (proxy),
                          path, DBUS_PROPERTIES_IFACE, "Get",
                          g_variant_new ("(ss)", iface, name),
                          G_VARIANT_TYPE ("(v)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          cancellable, callback, user_data);
}

static GVariant *
get_property_finish (GObject       *source,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  return value;
}

/* ---- the default collection ---------------------------------------------------- */

/*
 * Finds the default collection and whether it is locked: the first steps of
 * both store and get_state.
 */
typedef struct
{
  SecretService *service;
  char          *collection_path;
  gboolean       locked;
} DefaultData;

static void
default_data_free (DefaultData *data)
{
  g_clear_object (&data->service);
  g_free (data->collection_path);
  g_free (data);
}

static void
on_default_locked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  DefaultData *data = g_task_get_task_data (task);
  g_autoptr(GVariant) value = NULL;
  GError *error = NULL;

  value = get_property_finish (source, result, &error);
  if (value == NULL)
    task_return_mapped (task, error);
  else if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_FAILED,
                             _("The keyring gave an answer cmatoken cannot read. Log out and in again to restart the keyring, then try again."));
  else
    {
      data->locked = g_variant_get_boolean (value);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
on_default_alias (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  DefaultData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->collection_path = secret_service_read_alias_dbus_path_finish (data->service, result, &error);
  if (error != NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  if (data->collection_path == NULL)
    {
      g_task_return_error (task, no_default_collection_error ());
      g_object_unref (task);
      return;
    }
  get_property (data->service, data->collection_path, SECRET_COLLECTION_IFACE, "Locked",
                g_task_get_cancellable (task), on_default_locked, task);
}

static void
on_default_service (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  DefaultData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  secret_service_read_alias_dbus_path (data->service, SECRET_COLLECTION_DEFAULT,
                                       g_task_get_cancellable (task), on_default_alias, task);
}

static void
find_default_collection_async (GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, find_default_collection_async);

  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, g_new0 (DefaultData, 1), (GDestroyNotify) default_data_free);
  get_service (task, on_default_service);
}

/* Returns the collection's path and, through @service and @locked, the rest. */
static char *
find_default_collection_finish (GAsyncResult   *result,
                                SecretService **service,
                                gboolean       *locked,
                                GError        **error)
{
  DefaultData *data = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  if (service != NULL)
    *service = g_object_ref (data->service);
  *locked = data->locked;
  return g_strdup (data->collection_path);
}

/* ---- store --------------------------------------------------------------------- */

typedef struct
{
  CmtdSecretKind  kind;
  char           *object_id;
  char           *slot;
  char           *label;
  char          **describe; /* key, value, key, value, …: extra attributes */
  char           *stored;   /* when: fixed for the task, so a retry still REPLACEs */
  SecretValue    *value;   /* keeps the secret in memory libsecret wipes */
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_free (data->object_id);
  g_free (data->slot);
  g_free (data->label);
  g_strfreev (data->describe);
  g_free (data->stored);
  g_clear_pointer (&data->value, secret_value_unref);
  g_free (data);
}

static void clear_others (GTask *store_task, const char *keep_path);

static void
on_item_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  g_autofree char *path = NULL;
  GError *error = NULL;

  path = secret_service_create_item_dbus_path_finish (SECRET_SERVICE (source), result, &error);
  if (path == NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  /* Stored: an earlier item of the same slot (stored with other describing
   * attributes, so not REPLACEd) goes now, never before. */
  clear_others (task, path);
}

static void
on_store_collection (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  StoreData *data = g_task_get_task_data (task);
  g_autoptr(SecretService) service = NULL;
  g_autofree char *collection_path = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GHashTable) properties = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;
  gboolean locked = FALSE;
  GError *error = NULL;

  collection_path = find_default_collection_finish (result, &service, &locked, &error);
  if (collection_path == NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  if (locked)
    {
      g_task_return_error (task, locked_error ());
      g_object_unref (task);
      return;
    }

  attributes = make_attributes (data->kind, data->object_id, data->slot);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  /* What secret_password_store() adds, so that other tools see our schema. */
  g_variant_builder_add (&builder, "{ss}", "xdg:schema", credential_schema.name);
  g_hash_table_iter_init (&iter, attributes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&builder, "{ss}", key, value);
  g_variant_builder_add (&builder, "{ss}", "stored", data->stored);
  for (gsize i = 0; data->describe != NULL && data->describe[i] != NULL && data->describe[i + 1] != NULL; i += 2)
    if (is_description_key (data->describe[i]) && data->describe[i + 1][0] != '\0')
      g_variant_builder_add (&builder, "{ss}", data->describe[i], data->describe[i + 1]);

  properties = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
  g_hash_table_insert (properties, (gpointer) SECRET_ITEM_IFACE ".Label",
                       g_variant_ref_sink (g_variant_new_string (data->label)));
  g_hash_table_insert (properties, (gpointer) SECRET_ITEM_IFACE ".Attributes",
                       g_variant_ref_sink (g_variant_builder_end (&builder)));

  /* REPLACE: an item with the same attributes is overwritten, not doubled. */
  secret_service_create_item_dbus_path (service, collection_path, properties, data->value,
                                        SECRET_ITEM_CREATE_REPLACE, g_task_get_cancellable (task),
                                        on_item_created, task);
}

static void
store_start (GTask *task)
{
  set_restart (task, store_start);
  find_default_collection_async (g_task_get_cancellable (task), on_store_collection, task);
}

void
cmtd_secrets_store_async (CmtdSecretKind        kind,
                          const char           *object_id,
                          const char           *slot,
                          const char           *label,
                          const char *const    *describe,
                          const char           *secret,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  GTask *task;
  StoreData *data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cmtd_secrets_store_async);
  g_task_set_check_cancellable (task, FALSE);
  if (!check_args (task, kind, object_id))
    return;
  if (slot == NULL || secret == NULL || *secret == '\0' || !g_utf8_validate (secret, -1, NULL))
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                               _("The credential to keep is empty or not valid text. Enter it again."));
      g_object_unref (task);
      return;
    }

  data = g_new0 (StoreData, 1);
  data->kind = kind;
  data->object_id = g_strdup (object_id);
  data->slot = g_strdup (slot);
  data->label = g_strdup (label != NULL && *label != '\0' ? label : "cmatoken");
  data->describe = g_strdupv ((char **) describe);
  data->stored = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
  data->value = secret_value_new (secret, -1, "text/plain");
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);

  store_start (task);
}

gboolean
cmtd_secrets_store_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_secrets_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- search, shared by lookup, clear and list ---------------------------------------- */

typedef struct
{
  SecretService  *service;
  GHashTable     *attributes;  /* of the search; keys and values owned */
  char          **unlocked;
  char          **locked;
  guint           next;        /* clear: next path to delete */
  char           *keep_path;   /* clear: the one item not to delete */
  guint           pending;     /* list: attribute reads under way */
  GError         *first_error; /* list */
  GPtrArray      *refs;        /* list */
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_clear_object (&data->service);
  g_clear_pointer (&data->attributes, g_hash_table_unref);
  g_strfreev (data->unlocked);
  g_strfreev (data->locked);
  g_free (data->keep_path);
  g_clear_error (&data->first_error);
  g_clear_pointer (&data->refs, g_ptr_array_unref);
  g_free (data);
}

static GTask *
search_task_new (gpointer             source_tag,
                 CmtdSecretKind       kind,
                 const char          *object_id,
                 const char          *slot,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SearchData *data = g_new0 (SearchData, 1);
  g_autoptr(GHashTable) attributes = make_attributes (kind, object_id, slot);
  GHashTableIter iter;
  gpointer key, value;

  data->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, attributes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (data->attributes, g_strdup (key), g_strdup (value));

  g_task_set_source_tag (task, source_tag);

  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) search_data_free);
  return task;
}

/* Runs the search, then calls @then with the task (or returns it on error). */
typedef void (*SearchThen) (GTask *task);

static void
on_search_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  SearchData *data = g_task_get_task_data (task);
  SearchThen then = g_object_get_data (G_OBJECT (task), "cmtd-search-then");
  GError *error = NULL;

  if (!secret_service_search_for_dbus_paths_finish (data->service, result,
                                                    &data->unlocked, &data->locked, &error))
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  if (data->unlocked == NULL)
    data->unlocked = g_new0 (char *, 1);
  if (data->locked == NULL)
    data->locked = g_new0 (char *, 1);
  then (task);
}

static void
on_search_service (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  SearchData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  secret_service_search_for_dbus_paths (data->service, &credential_schema, data->attributes,
                                        g_task_get_cancellable (task), on_search_done, task);
}

static void
search_start (GTask *task)
{
  SearchData *data = g_task_get_task_data (task);

  g_clear_object (&data->service);
  g_clear_pointer (&data->unlocked, g_strfreev);
  g_clear_pointer (&data->locked, g_strfreev);
  g_clear_error (&data->first_error);
  g_clear_pointer (&data->refs, g_ptr_array_unref);
  data->next = 0;
  data->pending = 0;
  set_restart (task, search_start);
  get_service (task, on_search_service);
}

static void
search_then (GTask      *task,
             SearchThen  then)
{
  g_object_set_data (G_OBJECT (task), "cmtd-search-then", then);
  search_start (task);
}

/* ---- lookup ------------------------------------------------------------------------ */

static void
on_lookup_secret (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SecretItem *item = SECRET_ITEM (source);
  g_autoptr(SecretValue) value = NULL;
  GError *error = NULL;
  const char *bytes;
  gsize len = 0;
  char *copy;

  if (!secret_item_load_secret_finish (item, result, &error))
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  value = secret_item_get_secret (item);
  if (value == NULL)
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                               _("The credential is no longer in the keyring. Enter it again."));
      g_object_unref (task);
      return;
    }

  bytes = secret_value_get (value, &len);
  if (len == 0 || memchr (bytes, '\0', len) != NULL || !g_utf8_validate (bytes, len, NULL))
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_FAILED,
                               _("The credential in the keyring is empty or not valid text. Enter it again."));
      g_object_unref (task);
      return;
    }
  copy = g_malloc (len + 1);
  memcpy (copy, bytes, len);
  copy[len] = '\0';
  g_task_return_pointer (task, copy, (GDestroyNotify) cmtd_atlassian_secret_free);
  g_object_unref (task);
}

static void
on_lookup_item (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(SecretItem) item = NULL;
  GError *error = NULL;

  item = secret_item_new_for_dbus_path_finish (result, &error);
  if (item == NULL)
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  /* GetSecret on the item: fails with IsLocked rather than prompting. */
  secret_item_load_secret (item, g_task_get_cancellable (task), on_lookup_secret, task);
}

static void
on_lookup_collection (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean locked = FALSE;

  path = find_default_collection_finish (result, NULL, &locked, &error);
  if (path == NULL)
    task_return_mapped (task, g_steal_pointer (&error));
  else if (locked)
    g_task_return_error (task, locked_error ());
  else
    g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                             _("The credential is not in the keyring. Enter it again."));
  g_object_unref (task);
}

static void
lookup_then (GTask *task)
{
  SearchData *data = g_task_get_task_data (task);

  if (data->unlocked[0] != NULL)
    {
      /* Not secret_service_get_secret_for_dbus_path(): libsecret 0.20.5
       * leaks its reply, and the reply holds the secret. */
      secret_item_new_for_dbus_path (data->service, data->unlocked[0], SECRET_ITEM_NONE,
                                     g_task_get_cancellable (task), on_lookup_item, task);
      return;
    }
  if (data->locked[0] != NULL)
    {
      g_task_return_error (task, locked_error ());
      g_object_unref (task);
      return;
    }
  /* A keyring that (re)started locked may not show its items to a search at
   * all: "not found" is only believed when the default collection is open. */
  find_default_collection_async (g_task_get_cancellable (task), on_lookup_collection, task);
}

void
cmtd_secrets_lookup_async (CmtdSecretKind        kind,
                           const char           *object_id,
                           const char           *slot,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  GTask *task = search_task_new (cmtd_secrets_lookup_async, kind, object_id, slot,
                                 cancellable, callback, user_data);

  if (!check_args (task, kind, object_id))
    return;
  if (slot == NULL)
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                               _("The keyring item to use is not named. This is a bug in cmatoken; please report it."));
      g_object_unref (task);
      return;
    }
  search_then (task, lookup_then);
}

char *
cmtd_secrets_lookup_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_secrets_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- clear ---------------------------------------------------------------------- */

static void clear_next (GTask *task);

static void
on_item_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!secret_service_delete_item_dbus_path_finish (SECRET_SERVICE (source), result, &error) &&
      !g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT))
    {
      task_return_mapped (task, error);
      g_object_unref (task);
      return;
    }
  g_clear_error (&error);
  clear_next (task);
}

static void
clear_next (GTask *task)
{
  SearchData *data = g_task_get_task_data (task);
  guint n_unlocked = g_strv_length (data->unlocked);
  const char *path = NULL;

  if (data->next < n_unlocked)
    path = data->unlocked[data->next];
  else if (data->locked[data->next - n_unlocked] != NULL)
    path = data->locked[data->next - n_unlocked];

  if (path == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  data->next++;
  if (g_strcmp0 (path, data->keep_path) == 0)
    {
      clear_next (task);
      return;
    }
  secret_service_delete_item_dbus_path (data->service, path, g_task_get_cancellable (task),
                                        on_item_deleted, task);
}

void
cmtd_secrets_clear_async (CmtdSecretKind        kind,
                          const char           *object_id,
                          const char           *slot,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  GTask *task = search_task_new (cmtd_secrets_clear_async, kind, object_id, slot,
                                 cancellable, callback, user_data);

  if (!check_args (task, kind, object_id))
    return;
  search_then (task, clear_next);
}

gboolean
cmtd_secrets_clear_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_secrets_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
others_cleared (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *store_task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("An earlier item of the same slot stays: %s", error->message);
  g_task_return_boolean (store_task, TRUE);
  g_object_unref (store_task);
}

/* Deletes the items of the store task's slot other than @keep_path, then
 * returns the store task. */
static void
clear_others (GTask      *store_task,
              const char *keep_path)
{
  StoreData *store = g_task_get_task_data (store_task);
  GTask *task = search_task_new (clear_others, store->kind, store->object_id, store->slot,
                                 g_task_get_cancellable (store_task), others_cleared, store_task);
  SearchData *data = g_task_get_task_data (task);

  data->keep_path = g_strdup (keep_path);
  search_then (task, clear_next);
}

/* ---- list ---------------------------------------------------------------------------- */

static void
list_finish_one (GTask *task)
{
  SearchData *data = g_task_get_task_data (task);

  if (--data->pending > 0)
    return;
  if (data->first_error != NULL)
    task_return_mapped (task, g_steal_pointer (&data->first_error));
  else
    g_task_return_pointer (task, g_steal_pointer (&data->refs), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
on_item_attributes (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  SearchData *data = g_task_get_task_data (task);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  const char *kind_str = NULL, *object_id = NULL, *slot = NULL;
  CmtdSecretKind kind;

  value = get_property_finish (source, result, &error);
  if (value == NULL)
    {
      /* An item deleted since the search is simply not listed. */
      if (!g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) &&
          !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) &&
          data->first_error == NULL)
        data->first_error = g_steal_pointer (&error);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{ss}")) &&
           g_variant_lookup (value, "kind", "&s", &kind_str) &&
           g_variant_lookup (value, "object", "&s", &object_id) &&
           g_variant_lookup (value, "slot", "&s", &slot) &&
           kind_from_string (kind_str, &kind))
    {
      CmtdSecretRef *ref = g_new0 (CmtdSecretRef, 1);

      ref->kind = kind;
      ref->object_id = g_strdup (object_id);
      ref->slot = g_strdup (slot);
      ref->attributes = g_variant_ref (value);
      g_ptr_array_add (data->refs, ref);
    }
  list_finish_one (task);
}

static void
list_then (GTask *task)
{
  SearchData *data = g_task_get_task_data (task);
  char **lists[] = { data->unlocked, data->locked };
  gsize i, j;

  data->refs = g_ptr_array_new_with_free_func ((GDestroyNotify) cmtd_secret_ref_free);
  /* One extra, released below, so that answers arriving early cannot finish the task. */
  data->pending = 1;
  for (i = 0; i < G_N_ELEMENTS (lists); i++)
    for (j = 0; lists[i][j] != NULL; j++)
      {
        data->pending++;
        get_property (data->service, lists[i][j], SECRET_ITEM_IFACE, "Attributes",
                      g_task_get_cancellable (task), on_item_attributes, task);
      }
  list_finish_one (task);
}

void
cmtd_secrets_list_async (GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  GTask *task = search_task_new (cmtd_secrets_list_async, (CmtdSecretKind) -1, NULL, NULL,
                                 cancellable, callback, user_data);

  search_then (task, list_then);
}

GPtrArray *
cmtd_secrets_list_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_secrets_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- state ---------------------------------------------------------------------------- */

static void
on_state_collection (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) mapped = NULL;
  gboolean locked = FALSE;

  path = find_default_collection_finish (result, NULL, &locked, &error);
  if (path != NULL)
    g_task_return_int (task, locked ? CMTD_KEYRING_LOCKED : CMTD_KEYRING_UNLOCKED);
  else
    {
      mapped = map_error (error);
      if (g_error_matches (mapped, CMT_ERROR, CMT_ERROR_KEYRING_UNAVAILABLE))
        g_task_return_int (task, CMTD_KEYRING_UNAVAILABLE);
      else if (g_error_matches (mapped, CMT_ERROR, CMT_ERROR_KEYRING_LOCKED))
        g_task_return_int (task, CMTD_KEYRING_LOCKED);
      else
        g_task_return_error (task, g_steal_pointer (&mapped));
    }
  g_object_unref (task);
}

void
cmtd_secrets_get_state_async (GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, cmtd_secrets_get_state_async);

  g_task_set_check_cancellable (task, FALSE);
  find_default_collection_async (cancellable, on_state_collection, task);
}

CmtdKeyringState
cmtd_secrets_get_state_finish (GAsyncResult  *result,
                               GError       **error)
{
  GError *local_error = NULL;
  gssize state;

  g_return_val_if_fail (g_task_is_valid (result, NULL), CMTD_KEYRING_UNKNOWN);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cmtd_secrets_get_state_async, CMTD_KEYRING_UNKNOWN);

  state = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return CMTD_KEYRING_UNKNOWN;
    }
  return (CmtdKeyringState) state;
}
