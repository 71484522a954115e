/* cmt-wording.c: how the app names products, states and objects, in one place */
#include <glib/gi18n.h>

#include "cmt-url.h"
#include "cmt-wording.h"

#define MANAGER_PATH "/io/github/cmatoken/Manager"

const char *
cmt_wording_assistant_short (const char *product)
{
  if (g_strcmp0 (product, "confluence") == 0)
    return "CCMA";
  return "JCMA";
}

const char *
cmt_wording_assistant_long (const char *product)
{
  if (g_strcmp0 (product, "confluence") == 0)
    return _("Confluence Cloud Migration Assistant");
  return _("Jira Cloud Migration Assistant");
}

const char *
cmt_wording_product_name (const char *product)
{
  if (g_strcmp0 (product, "confluence") == 0)
    return "Confluence";
  return "Jira";
}

const char *
cmt_wording_status_css_class (CmtStatus status)
{
  switch (status)
    {
    case CMT_STATUS_VALID:
      return "success";
    case CMT_STATUS_EXPIRING:
    case CMT_STATUS_EXPIRY_UNKNOWN:
      return "warning";
    case CMT_STATUS_EXPIRED:
    case CMT_STATUS_INVALID:
      return "error";
    case CMT_STATUS_UNKNOWN:
    default:
      return "dim-label";
    }
}

int
cmt_wording_status_rank (CmtStatus status)
{
  switch (status)
    {
    case CMT_STATUS_EXPIRED:
    case CMT_STATUS_INVALID:
      return 0;
    case CMT_STATUS_EXPIRING:
      return 1;
    case CMT_STATUS_UNKNOWN:
    case CMT_STATUS_EXPIRY_UNKNOWN:
      return 2;
    case CMT_STATUS_VALID:
    default:
      return 3;
    }
}

const char *
cmt_wording_object_id (const char *object_path)
{
  const char *slash;

  if (object_path == NULL)
    return "";
  slash = strrchr (object_path, '/');
  return slash != NULL ? slash + 1 : object_path;
}

char *
cmt_wording_server_display (GDBusObjectManager *manager,
                            const char         *server_path)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (manager != NULL && server_path != NULL && g_variant_is_object_path (server_path))
    iface = g_dbus_object_manager_get_interface (manager, server_path,
                                                 "io.github.cmatoken.Server1");
  if (iface != NULL)
    return cmt_url_display (cmt_server_get_base_url (CMT_SERVER (iface)));
  return g_strdup (cmt_wording_object_id (server_path));
}

char *
cmt_wording_connection_title (GDBusObjectManager *manager,
                              CmtConnection      *connection)
{
  g_autofree char *server = cmt_wording_server_display (manager,
                                                        cmt_connection_get_server (connection));
  g_autofree char *site = cmt_url_display (cmt_connection_get_cloud_site_url (connection));

  /* Translators: a server's connection to a cloud site:
   * "jira.example.com → acme.atlassian.net". */
  return g_strdup_printf (_("%1$s → %2$s"), server, site);
}

char *
cmt_wording_connection_state (CmtConnection *connection,
                              const char    *server_display,
                              gint64         warn_before,
                              gint64         now)
{
  if (cmt_connection_get_renewing (connection))
    {
      const char *step = cmt_connection_get_renew_step (connection);

      if (g_strcmp0 (step, "create-token") == 0)
        return g_strdup (_("Creating an auth token at Atlassian…"));
      if (g_strcmp0 (step, "save-token") == 0)
        /* Translators: %s is a server, "jira.example.com". */
        return g_strdup_printf (_("Saving it on %s…"), server_display);
      return g_strdup (_("Renewing…"));
    }

  return cmt_expiry_describe (CMT_EXPIRY_CONTAINER_TOKEN,
                              cmt_connection_get_expires_at (connection),
                              warn_before, now);
}

char *
cmt_wording_credential_state (CmtStatus status,
                              gboolean  is_cloud_account,
                              gint64    expires_at,
                              gint64    warn_before,
                              gint64    now)
{
  if (status == CMT_STATUS_INVALID)
    {
      if (is_cloud_account)
        return g_strdup (_("Rejected by Atlassian"));
      return g_strdup (_("Rejected by the server"));
    }
  if (status == CMT_STATUS_EXPIRED && expires_at <= 0)
    return g_strdup (_("Expired"));
  if (status == CMT_STATUS_EXPIRY_UNKNOWN)
    return g_strdup (_("Expiry unknown: enter the date"));

  return cmt_expiry_describe (CMT_EXPIRY_CREDENTIAL, expires_at, warn_before, now);
}

CmtManager *
cmt_wording_peek_manager (GDBusObjectManager *manager)
{
  g_autoptr(GDBusObject) object = NULL;

  if (manager == NULL)
    return NULL;
  object = g_dbus_object_manager_get_object (manager, MANAGER_PATH);
  if (object == NULL || !CMT_IS_OBJECT (object))
    return NULL;
  /* The manager keeps the object, and the object its interfaces. */
  return cmt_object_peek_manager (CMT_OBJECT (object));
}

gint64
cmt_wording_now (void)
{
  static gint64 offset = G_MININT64;

  if (offset == G_MININT64)
    {
      const char *text = g_getenv ("CMATOKEN_NOW_OFFSET");
      offset = text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
    }
  return g_get_real_time () / G_USEC_PER_SEC + offset;
}
