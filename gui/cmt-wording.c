/* cmt-wording.c: how the app names products, states and objects, in one place */
#include <glib/gi18n.h>

#include "cmt-names.h"
#include "cmt-summary.h"
#include "cmt-url.h"
#include "cmt-wording.h"


static GDBusInterface *
lookup_interface (GDBusObjectManager *manager,
                  const char         *path,
                  const char         *interface_name)
{
  if (manager == NULL || path == NULL || !g_variant_is_object_path (path))
    return NULL;
  return g_dbus_object_manager_get_interface (manager, path, interface_name);
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
    /* "Never renewed here": a date nobody knows yet, to be found out (renew
     * it, or mark when it was renewed), never a neutral "fine". */
    case CMT_STATUS_UNKNOWN:
      return "warning";
    case CMT_STATUS_EXPIRED:
    case CMT_STATUS_INVALID:
      return "error";
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
                                                 CMT_SERVER_INTERFACE);
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
cmt_wording_account_email (GDBusObjectManager *manager,
                           CmtConnection      *connection)
{
  g_autoptr(GDBusInterface) account = lookup_interface (manager, cmt_connection_get_cloud_account (connection),
                                                        CMT_CLOUD_ACCOUNT_INTERFACE);

  return account != NULL ? g_strdup (cmt_cloud_account_get_email (CMT_CLOUD_ACCOUNT (account))) : NULL;
}

char *
cmt_wording_connection_label (GDBusObjectManager *manager,
                              CmtConnection      *connection)
{
  const char *label = cmt_connection_get_label (connection);
  g_autoptr(GDBusInterface) server = NULL;

  if (label != NULL && *label != '\0')
    return g_strdup (label);
  server = lookup_interface (manager, cmt_connection_get_server (connection), CMT_SERVER_INTERFACE);
  if (server != NULL)
    label = cmt_server_get_label (CMT_SERVER (server));
  return label != NULL && *label != '\0' ? g_strdup (label) : NULL;
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

char *
cmt_wording_connection_blocker (GDBusObjectManager *manager,
                                CmtConnection      *connection)
{
  g_autoptr(GDBusInterface) account_iface = NULL;
  g_autoptr(GDBusInterface) server_iface = NULL;

  account_iface = lookup_interface (manager, cmt_connection_get_cloud_account (connection),
                                    CMT_CLOUD_ACCOUNT_INTERFACE);
  if (account_iface != NULL)
    {
      CmtCloudAccount *account = CMT_CLOUD_ACCOUNT (account_iface);
      const char *email = cmt_cloud_account_get_email (account);
      g_autofree char *date = NULL;

      switch (cmt_status_from_string (cmt_cloud_account_get_status (account)))
        {
        case CMT_STATUS_INVALID:
          /* Translators: %s is the email of a cloud account. */
          return g_strdup_printf (_("Cannot renew: Atlassian rejected the API token of %s. "
                                    "Replace it under Cloud Accounts."), email);
        case CMT_STATUS_EXPIRED:
          /* Translators: %s is the email of a cloud account. */
          return g_strdup_printf (_("Cannot renew: the API token of %s has expired. "
                                    "Replace it under Cloud Accounts."), email);
        case CMT_STATUS_EXPIRING:
          date = cmt_expiry_format_date (cmt_cloud_account_get_token_expires_at (account));
          /* Translators: %1$s is the email of a cloud account, %2$s a date. */
          return g_strdup_printf (_("The API token of %1$s expires on %2$s: "
                                    "replace it under Cloud Accounts before then."), email, date);
        case CMT_STATUS_UNKNOWN:
        case CMT_STATUS_VALID:
        case CMT_STATUS_EXPIRY_UNKNOWN:
        default:
          break;
        }
    }

  server_iface = lookup_interface (manager, cmt_connection_get_server (connection),
                                   CMT_SERVER_INTERFACE);
  if (server_iface != NULL)
    {
      CmtServer *server = CMT_SERVER (server_iface);
      g_autofree char *host = cmt_url_display (cmt_server_get_base_url (server));
      g_autofree char *date = NULL;

      switch (cmt_status_from_string (cmt_server_get_status (server)))
        {
        case CMT_STATUS_INVALID:
          /* Translators: %s is a server, "jira.example.com". */
          return g_strdup_printf (_("Cannot renew: %s rejected the stored credential. "
                                    "Replace it under Servers."), host);
        case CMT_STATUS_EXPIRED:
          /* Translators: %s is a server, "jira.example.com". */
          return g_strdup_printf (_("Cannot renew: the stored credential for %s has expired. "
                                    "Replace it under Servers."), host);
        case CMT_STATUS_EXPIRING:
          date = cmt_expiry_format_date (cmt_server_get_secret_expires_at (server));
          /* Translators: %1$s is a server, "jira.example.com", %2$s a date. */
          return g_strdup_printf (_("The stored credential for %1$s expires on %2$s: "
                                    "replace it under Servers before then."), host, date);
        case CMT_STATUS_UNKNOWN:
        case CMT_STATUS_VALID:
        case CMT_STATUS_EXPIRY_UNKNOWN:
        default:
          break;
        }
    }
  return NULL;
}

static CmtStatus
credential_status (GDBusObjectManager *manager,
                   const char         *path)
{
  g_autoptr(GDBusObject) object = NULL;

  if (manager == NULL || path == NULL || !g_variant_is_object_path (path))
    return CMT_STATUS_UNKNOWN;
  object = g_dbus_object_manager_get_object (manager, path);
  if (object == NULL || !CMT_IS_OBJECT (object))
    return CMT_STATUS_UNKNOWN;
  if (cmt_object_peek_cloud_account (CMT_OBJECT (object)) != NULL)
    return cmt_status_from_string (cmt_cloud_account_get_status (cmt_object_peek_cloud_account (CMT_OBJECT (object))));
  if (cmt_object_peek_server (CMT_OBJECT (object)) != NULL)
    return cmt_status_from_string (cmt_server_get_status (cmt_object_peek_server (CMT_OBJECT (object))));
  return CMT_STATUS_UNKNOWN;
}

static CmtSummaryBlock
connection_block (GDBusObjectManager *manager,
                  CmtConnection      *c)
{
  return cmt_summary_block_for (credential_status (manager, cmt_connection_get_cloud_account (c)),
                                credential_status (manager, cmt_connection_get_server (c)),
                                cmt_status_from_string (cmt_connection_get_status (c)),
                                cmt_connection_get_attention_needed (c),
                                cmt_connection_get_last_error (c));
}

int
cmt_wording_connection_category (GDBusObjectManager *manager,
                                 CmtConnection      *connection,
                                 gint64              now)
{
  return cmt_summary_category (cmt_status_from_string (cmt_connection_get_status (connection)),
                               cmt_connection_get_expires_at (connection),
                               connection_block (manager, connection), now);
}

char *
cmt_wording_summary (GDBusObjectManager *manager,
                     GListModel         *connections,
                     gint64              now,
                     gboolean           *needs_attention)
{
  CmtSummary summary = { 0 };
  guint n = g_list_model_get_n_items (connections);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GDBusObject) object = g_list_model_get_item (connections, i);
      CmtConnection *c = CMT_IS_OBJECT (object) ? cmt_object_peek_connection (CMT_OBJECT (object)) : NULL;
      CmtStatus status;

      if (c == NULL)
        continue;
      status = cmt_status_from_string (cmt_connection_get_status (c));
      cmt_summary_add (&summary, status, cmt_connection_get_expires_at (c), connection_block (manager, c), now);
    }
  if (needs_attention != NULL)
    *needs_attention = cmt_summary_needs_attention (&summary);
  return cmt_summary_describe (&summary);
}

CmtManager *
cmt_wording_peek_manager (GDBusObjectManager *manager)
{
  g_autoptr(GDBusObject) object = NULL;

  if (manager == NULL)
    return NULL;
  object = g_dbus_object_manager_get_object (manager, CMT_MANAGER_PATH);
  if (object == NULL || !CMT_IS_OBJECT (object))
    return NULL;
  /* The manager keeps the object, and the object its interfaces. */
  return cmt_object_peek_manager (CMT_OBJECT (object));
}

gint64
cmt_wording_now (void)
{
  return cmt_expiry_now ();
}
