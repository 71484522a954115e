/* cmtctl-client.c: cmatokenctl's view of the service: its objects, and finding one by name */
#include <glib/gi18n.h>
#include <string.h>

#include "cmt-error.h"
#include "cmt-names.h"
#include "cmt-product.h"
#include "cmt-url.h"
#include "cmtctl-client.h"
#include "cmtctl-util.h"


struct _CmtctlClient
{
  GObject             parent_instance;

  GDBusConnection    *bus;
  GDBusObjectManager *object_manager;
  CmtManager         *manager;
};

G_DEFINE_TYPE (CmtctlClient, cmtctl_client, G_TYPE_OBJECT)

static void
cmtctl_client_dispose (GObject *object)
{
  CmtctlClient *self = CMTCTL_CLIENT (object);

  g_clear_object (&self->manager);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->bus);

  G_OBJECT_CLASS (cmtctl_client_parent_class)->dispose (object);
}

static void
cmtctl_client_class_init (CmtctlClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cmtctl_client_dispose;
}

static void
cmtctl_client_init (CmtctlClient *self)
{
}

static void
set_not_running (GError     **error,
                 const char  *reason)
{
  g_autofree char *why = cmtctl_clause (reason);

  g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
               /* Translators: %1$s is the D-Bus name, %2$s the reason D-Bus gave. */
               _("The cmatoken service (%1$s) is not running and could not be started: %2$s. "
                 "Check that cmatoken is installed, or start it with “cmatokend”."),
               CMT_DAEMON_BUS_NAME, why);
}

static gboolean
name_has_owner (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", CMT_DAEMON_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       CMTCTL_CALL_TIMEOUT_MS, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* Up to three seconds: a command line tool may block. */
static gboolean
wait_for_owner (GDBusConnection *bus)
{
  for (guint i = 0; i < 30; i++)
    {
      if (name_has_owner (bus))
        return TRUE;
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  return FALSE;
}

CmtctlClient *
cmtctl_client_new (GError **error)
{
  g_autoptr(CmtctlClient) self = g_object_new (CMTCTL_TYPE_CLIENT, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDBusObject) manager_object = NULL;
  g_autofree char *owner = NULL;

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (self->bus == NULL)
    {
      g_autofree char *why = cmtctl_clause (local_error->message);
      g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                   _("Cannot reach the D-Bus session bus: %s. Run cmatokenctl inside your desktop session, "
                     "where the cmatoken service runs."),
                   why);
      return NULL;
    }

  /* A daemon started by hand (no activation file) is used as it is;
   * otherwise explicitly activated, so that a failed activation gets its
   * own clear message instead of an empty object list. */
  if (!name_has_owner (self->bus))
    {
      reply = g_dbus_connection_call_sync (self->bus,
                                           "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "StartServiceByName",
                                           g_variant_new ("(su)", CMT_DAEMON_BUS_NAME, 0),
                                           G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                           CMTCTL_CALL_TIMEOUT_MS, NULL, &local_error);
      /* No activation file: a daemon that was just started by hand may
       * still be on its way to its name. */
      if (reply == NULL && !wait_for_owner (self->bus))
        {
          g_dbus_error_strip_remote_error (local_error);
          set_not_running (error, local_error->message);
          return NULL;
        }
      g_clear_error (&local_error);
    }

  self->object_manager =
    cmt_object_manager_client_new_sync (self->bus,
                                        G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                        CMT_DAEMON_BUS_NAME, CMT_OBJECT_MANAGER_PATH,
                                        NULL, &local_error);
  if (self->object_manager == NULL)
    {
      g_autofree char *why = NULL;
      g_dbus_error_strip_remote_error (local_error);
      why = cmtctl_clause (local_error->message);
      g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                   _("Cannot read the cmatoken service’s objects: %s. Try again; if it keeps failing, "
                     "restart the service with “cmatokend --replace”."),
                   why);
      return NULL;
    }

  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->object_manager));
  if (owner == NULL)
    {
      set_not_running (error, _("it left the bus"));
      return NULL;
    }

  manager_object = g_dbus_object_manager_get_object (self->object_manager, CMT_MANAGER_PATH);
  if (manager_object != NULL)
    self->manager = cmt_object_get_manager (CMT_OBJECT (manager_object));
  if (self->manager == NULL)
    {
      /* Not every service lists its Manager in the ObjectManager. */
      self->manager = cmt_manager_proxy_new_sync (self->bus,
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                  CMT_DAEMON_BUS_NAME, CMT_MANAGER_PATH,
                                                  NULL, &local_error);
      if (self->manager == NULL)
        {
          g_dbus_error_strip_remote_error (local_error);
          set_not_running (error, local_error->message);
          return NULL;
        }
      g_clear_error (&local_error);
    }
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->manager), CMTCTL_CALL_TIMEOUT_MS);

  return g_steal_pointer (&self);
}

GDBusConnection *
cmtctl_client_get_bus (CmtctlClient *self)
{
  return self->bus;
}

CmtManager *
cmtctl_client_get_manager (CmtctlClient *self)
{
  return self->manager;
}

void
cmtctl_client_refresh (CmtctlClient *self,
                       gpointer      proxy)
{
  GDBusProxy *dbus_proxy = G_DBUS_PROXY (proxy);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  reply = g_dbus_connection_call_sync (self->bus, CMT_DAEMON_BUS_NAME,
                                       g_dbus_proxy_get_object_path (dbus_proxy),
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", g_dbus_proxy_get_interface_name (dbus_proxy)),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       CMTCTL_CALL_TIMEOUT_MS, NULL, NULL);
  /* On failure the cached values are the best there is. */
  if (reply == NULL)
    return;
  properties = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    g_dbus_proxy_set_cached_property (dbus_proxy, key, value);
}

static CmtctlKind
object_kind (CmtObject *object)
{
  if (cmt_object_peek_connection (object) != NULL)
    return CMTCTL_KIND_CONNECTION;
  if (cmt_object_peek_server (object) != NULL)
    return CMTCTL_KIND_SERVER;
  if (cmt_object_peek_cloud_account (object) != NULL)
    return CMTCTL_KIND_ACCOUNT;
  return 0;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (g_dbus_object_get_object_path (G_DBUS_OBJECT ((gpointer) a)),
                    g_dbus_object_get_object_path (G_DBUS_OBJECT ((gpointer) b)));
}

GList *
cmtctl_client_list (CmtctlClient *self,
                    CmtctlKind    kinds)
{
  GList *all = g_dbus_object_manager_get_objects (self->object_manager);
  GList *out = NULL;

  for (GList *l = all; l != NULL; l = l->next)
    if ((object_kind (CMT_OBJECT (l->data)) & kinds) != 0)
      out = g_list_prepend (out, g_object_ref (l->data));
  g_list_free_full (all, g_object_unref);
  return g_list_sort (out, compare_paths);
}

CmtObject *
cmtctl_client_get_object (CmtctlClient *self,
                          const char   *object_path)
{
  if (object_path == NULL || !g_variant_is_object_path (object_path))
    return NULL;
  return (CmtObject *) g_dbus_object_manager_get_object (self->object_manager, object_path);
}

/* Stored URLs are normalised by the service; normalise again so a stored
 * URL and one typed by hand compare the same. */
static gboolean
same_url (const char *stored,
          const char *normalized)
{
  g_autofree char *again = NULL;

  if (stored == NULL || normalized == NULL)
    return FALSE;
  if (g_str_equal (stored, normalized))
    return TRUE;
  again = cmt_url_normalize (stored, NULL);
  return again != NULL && g_str_equal (again, normalized);
}

/* A site as typed after "email@": a URL or its display form. */
static gboolean
same_site (const char *stored,
           const char *typed)
{
  g_autofree char *normalized = NULL;
  g_autofree char *display = NULL;

  if (strstr (typed, "://") != NULL)
    {
      normalized = cmt_url_normalize (typed, NULL);
      return normalized != NULL && same_url (stored, normalized);
    }
  display = cmt_url_display (stored);
  return g_ascii_strcasecmp (display, typed) == 0;
}

static const char *
connection_server_url (CmtctlClient  *self,
                       CmtConnection *connection)
{
  g_autoptr(CmtObject) server_object = cmtctl_client_get_object (self, cmt_connection_get_server (connection));
  CmtServer *server = server_object != NULL ? cmt_object_peek_server (server_object) : NULL;

  /* The string belongs to the proxy, which the object manager keeps alive. */
  return server != NULL ? cmt_server_get_base_url (server) : NULL;
}

static void
narrow_by_site (GPtrArray  *candidates,
                const char *site_hint)
{
  g_autofree char *hint = NULL;
  g_autoptr(GPtrArray) kept = NULL;

  if (candidates->len < 2 || site_hint == NULL)
    return;
  hint = cmt_url_normalize (site_hint, NULL);
  if (hint == NULL)
    return;

  kept = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < candidates->len; i++)
    {
      CmtObject *object = g_ptr_array_index (candidates, i);
      const char *site = NULL;

      if (cmt_object_peek_cloud_account (object) != NULL)
        site = cmt_cloud_account_get_site_url (cmt_object_peek_cloud_account (object));
      else if (cmt_object_peek_connection (object) != NULL)
        site = cmt_connection_get_cloud_site_url (cmt_object_peek_connection (object));
      if (same_url (site, hint))
        g_ptr_array_add (kept, g_object_ref (object));
    }
  if (kept->len == 0)
    return;
  g_ptr_array_set_size (candidates, 0);
  for (guint i = 0; i < kept->len; i++)
    g_ptr_array_add (candidates, g_object_ref (g_ptr_array_index (kept, i)));
}

/* "email" or "email@site-url": an "@" before any "://" (a URL's own "@"
 * would come after it, and URLs with user names are refused anyway). */
static gboolean
is_email_form (const char *name)
{
  const char *at = strchr (name, '@');
  const char *scheme_end = strstr (name, "://");

  return at != NULL && (scheme_end == NULL || at < scheme_end);
}

static void
set_not_found (GError     **error,
               const char  *name,
               CmtctlKind   kinds)
{
  g_autofree char *safe = cmtctl_sanitize (name);

  switch ((int) kinds)
    {
    case CMTCTL_KIND_CONNECTION:
      g_set_error (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                   /* Translators: %1$s is what was typed, %2$s the program name. */
                   _("No connection is called “%1$s”. Name it by its id, its label, its server’s URL or address "
                     "as “%2$s status” prints it."), safe, g_get_prgname ());
      break;
    case CMTCTL_KIND_SERVER:
      g_set_error (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                   /* Translators: %1$s is what was typed, %2$s the program name. */
                   _("No server is called “%1$s”. Name it by its id, its label, or its URL or address "
                     "as “%2$s status” prints it."), safe, g_get_prgname ());
      break;
    case CMTCTL_KIND_ACCOUNT:
      g_set_error (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                   /* Translators: %1$s is what was typed, %2$s the program name. */
                   _("No cloud account is called “%1$s”. Name it by its id, its label or its email; "
                     "“%2$s status” lists them."), safe, g_get_prgname ());
      break;
    default:
      g_set_error (error, CMT_ERROR, CMT_ERROR_NOT_FOUND,
                   /* Translators: %1$s is what was typed, %2$s the program name. */
                   _("Nothing is called “%1$s”. Name it by its id, its label, a server’s URL or address, or an "
                     "account’s email, as “%2$s status” prints them."), safe, g_get_prgname ());
      break;
    }
}

static const char *
label_of (CmtObject *object)
{
  const char *label = NULL;

  if (cmt_object_peek_connection (object) != NULL)
    label = cmt_connection_get_label (cmt_object_peek_connection (object));
  else if (cmt_object_peek_server (object) != NULL)
    label = cmt_server_get_label (cmt_object_peek_server (object));
  else if (cmt_object_peek_cloud_account (object) != NULL)
    label = cmt_cloud_account_get_label (cmt_object_peek_cloud_account (object));
  return label != NULL ? label : "";
}

/* The names @object goes by as people write them: its label and what
 * "status" prints (a server's address without its scheme, an account's
 * email, a connection's "server → site"). With @inherited, also the names
 * of the server a connection belongs to. Casefolded. */
static GPtrArray *
names_of (CmtctlClient *self,
          CmtObject    *object,
          gboolean      inherited)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  CmtConnection *connection = cmt_object_peek_connection (object);
  CmtServer *server = cmt_object_peek_server (object);
  CmtCloudAccount *account = cmt_object_peek_cloud_account (object);

  if (!inherited)
    {
      if (*label_of (object) != '\0')
        g_ptr_array_add (names, g_utf8_casefold (label_of (object), -1));
      if (server != NULL)
        {
          g_autofree char *host = cmt_url_display (cmt_server_get_base_url (server));
          g_ptr_array_add (names, g_utf8_casefold (host, -1));
        }
      else if (account != NULL)
        g_ptr_array_add (names, g_utf8_casefold (cmt_cloud_account_get_email (account), -1));
      else if (connection != NULL)
        {
          g_autofree char *host = cmtctl_client_connection_host (self, connection);
          g_autofree char *site = cmt_url_display (cmt_connection_get_cloud_site_url (connection));
          g_autofree char *route = g_strdup_printf ("%s → %s", host, site);
          g_ptr_array_add (names, g_utf8_casefold (route, -1));
        }
    }
  else if (connection != NULL)
    {
      g_autoptr(CmtObject) server_object = cmtctl_client_get_object (self, cmt_connection_get_server (connection));

      if (server_object != NULL)
        {
          g_autoptr(GPtrArray) server_names = names_of (self, server_object, FALSE);
          for (guint i = 0; i < server_names->len; i++)
            g_ptr_array_add (names, g_strdup (g_ptr_array_index (server_names, i)));
        }
    }
  return names;
}

/* Objects named @name (casefolded): exactly, else by a fragment; their own
 * names first, then (for connections) their server's. */
static void
find_by_name (CmtctlClient *self,
              GList        *objects,
              const char   *name,
              GPtrArray    *candidates)
{
  g_autofree char *folded = g_utf8_casefold (name, -1);

  for (int fragment = 0; fragment <= 1 && candidates->len == 0; fragment++)
    for (int inherited = 0; inherited <= 1 && candidates->len == 0; inherited++)
      for (GList *l = objects; l != NULL; l = l->next)
        {
          g_autoptr(GPtrArray) names = names_of (self, l->data, inherited);

          for (guint i = 0; i < names->len; i++)
            {
              const char *n = g_ptr_array_index (names, i);

              if (fragment ? strstr (n, folded) != NULL : g_str_equal (n, folded))
                {
                  g_ptr_array_add (candidates, g_object_ref (l->data));
                  break;
                }
            }
        }
}

CmtObject *
cmtctl_client_lookup (CmtctlClient  *self,
                      const char    *name,
                      CmtctlKind     kinds,
                      const char    *site_hint,
                      GError       **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_object_unref);
  g_autolist(CmtObject) objects = cmtctl_client_list (self, kinds);

  if (name == NULL || *name == '\0')
    {
      set_not_found (error, "", kinds);
      return NULL;
    }

  if (name[0] == '/')
    {
      g_autoptr(CmtObject) object = cmtctl_client_get_object (self, name);
      if (object != NULL && (object_kind (object) & kinds) != 0)
        g_ptr_array_add (candidates, g_steal_pointer (&object));
    }
  else if (cmtctl_is_object_id (name))
    {
      for (GList *l = objects; l != NULL; l = l->next)
        if (g_str_equal (cmtctl_path_id (g_dbus_object_get_object_path (l->data)), name))
          g_ptr_array_add (candidates, g_object_ref (l->data));
    }
  else if (strstr (name, "://") != NULL && !is_email_form (name))
    {
      g_autofree char *url = cmt_url_normalize (name, error);

      if (url == NULL)
        return NULL;
      /* A URL names a server; for a command that wants a connection, the
       * server's connection; failing both, the account of that cloud site. */
      for (GList *l = objects; l != NULL; l = l->next)
        {
          CmtServer *server = cmt_object_peek_server (l->data);
          if (server != NULL && same_url (cmt_server_get_base_url (server), url))
            g_ptr_array_add (candidates, g_object_ref (l->data));
        }
      if (candidates->len == 0)
        for (GList *l = objects; l != NULL; l = l->next)
          {
            CmtConnection *connection = cmt_object_peek_connection (l->data);
            if (connection != NULL && same_url (connection_server_url (self, connection), url))
              g_ptr_array_add (candidates, g_object_ref (l->data));
          }
      if (candidates->len == 0)
        for (GList *l = objects; l != NULL; l = l->next)
          {
            CmtCloudAccount *account = cmt_object_peek_cloud_account (l->data);
            if (account != NULL && same_url (cmt_cloud_account_get_site_url (account), url))
              g_ptr_array_add (candidates, g_object_ref (l->data));
          }
    }
  else if (is_email_form (name))
    {
      /* "email" or "email@site": the site starts at the second "@". */
      const char *at = strchr (name, '@');
      const char *site_at = strchr (at + 1, '@');
      g_autofree char *email = site_at != NULL ? g_strndup (name, site_at - name) : g_strdup (name);
      const char *site = site_at != NULL ? site_at + 1 : NULL;

      for (GList *l = objects; l != NULL; l = l->next)
        {
          CmtCloudAccount *account = cmt_object_peek_cloud_account (l->data);
          if (account != NULL &&
              g_ascii_strcasecmp (cmt_cloud_account_get_email (account), email) == 0 &&
              (site == NULL || same_site (cmt_cloud_account_get_site_url (account), site)))
            g_ptr_array_add (candidates, g_object_ref (l->data));
        }
    }

  else
    /* A label, or a name as "status" prints it, whole or a unique part of it. */
    find_by_name (self, objects, name, candidates);

  narrow_by_site (candidates, site_hint);

  if (candidates->len == 0 && kinds == CMTCTL_KIND_CONNECTION && cmtctl_is_object_id (name))
    {
      /* A server's or an account's id where a connection is wanted: name its connections. */
      g_autolist(CmtObject) connections = cmtctl_client_list (self, CMTCTL_KIND_CONNECTION);
      g_autoptr(GString) list = g_string_new (NULL);

      for (GList *l = connections; l != NULL; l = l->next)
        {
          CmtConnection *connection = cmt_object_peek_connection (l->data);

          if (g_str_equal (cmtctl_path_id (cmt_connection_get_server (connection)), name) ||
              g_str_equal (cmtctl_path_id (cmt_connection_get_cloud_account (connection)), name))
            {
              g_autofree char *description = cmtctl_client_describe (self, l->data);
              g_string_append_printf (list, "\n  %s  %s",
                                      cmtctl_path_id (g_dbus_object_get_object_path (l->data)), description);
            }
        }
      if (list->len > 0)
        {
          g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                       /* Translators: %1$s is an id; %2$s a list of connections, one a line. */
                       _("“%1$s” is not a connection but what connections use. Name one of its connections:%2$s"),
                       name, list->str);
          return NULL;
        }
    }

  if (candidates->len == 0)
    {
      set_not_found (error, name, kinds);
      return NULL;
    }
  if (candidates->len > 1)
    {
      g_autoptr(GString) list = g_string_new (NULL);
      g_autofree char *safe = cmtctl_sanitize (name);

      for (guint i = 0; i < candidates->len; i++)
        {
          CmtObject *object = g_ptr_array_index (candidates, i);
          g_autofree char *description = cmtctl_client_describe (self, object);
          g_string_append_printf (list, "\n  %s  %s", g_dbus_object_get_object_path (G_DBUS_OBJECT (object)),
                                  description);
        }
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   /* Translators: %1$s is what was typed; %2$s a list of objects, one a line. */
                   _("“%1$s” could mean more than one thing. Name one by its id or object path:%2$s"),
                   safe, list->str);
      return NULL;
    }
  return g_object_ref (g_ptr_array_index (candidates, 0));
}

char *
cmtctl_client_connection_host (CmtctlClient  *self,
                               CmtConnection *connection)
{
  const char *url = connection_server_url (self, connection);

  if (url == NULL)
    return g_strdup (cmtctl_path_id (cmt_connection_get_server (connection)));
  return cmt_url_display (url);
}

char *
cmtctl_client_describe (CmtctlClient *self,
                        CmtObject    *object)
{
  CmtConnection *connection = cmt_object_peek_connection (object);
  CmtServer *server = cmt_object_peek_server (object);
  CmtCloudAccount *account = cmt_object_peek_cloud_account (object);
  g_autofree char *raw = NULL;

  if (connection != NULL)
    {
      g_autofree char *host = cmtctl_client_connection_host (self, connection);
      g_autofree char *site = cmt_url_display (cmt_connection_get_cloud_site_url (connection));
      /* Translators: %1$s is JCMA or CCMA, %2$s a server, %3$s a cloud site. */
      raw = g_strdup_printf (_("%1$s connection %2$s → %3$s"),
                             cmt_assistant_short_name (cmt_connection_get_product (connection)),
                             host, site);
    }
  else if (server != NULL)
    {
      g_autofree char *host = cmt_url_display (cmt_server_get_base_url (server));
      /* Translators: %1$s is Jira or Confluence, %2$s the server's address. */
      raw = g_strdup_printf (_("%1$s server %2$s"),
                             cmt_product_name (cmt_server_get_product (server)), host);
    }
  else if (account != NULL)
    {
      g_autofree char *site = cmt_url_display (cmt_cloud_account_get_site_url (account));
      /* Translators: %1$s is an email address, %2$s a cloud site. */
      raw = g_strdup_printf (_("cloud account %1$s on %2$s"),
                             cmt_cloud_account_get_email (account), site);
    }
  else
    raw = g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));

  return cmtctl_sanitize (raw);
}
