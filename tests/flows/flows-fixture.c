/* flows-fixture.c: a service's objects without a service, for the flows' widget tests and previews */
#include "flows-fixture.h"

#define DAY ((gint64) 86400)

static void
export (GDBusObjectManagerServer *manager,
        CmtObjectSkeleton        *object)
{
  g_dbus_object_manager_server_export (manager, G_DBUS_OBJECT_SKELETON (object));
  g_object_unref (object);
}

void
flows_fixture_add_account (GDBusObjectManagerServer *manager,
                           const char               *path,
                           const char               *email,
                           const char               *display_name)
{
  CmtObjectSkeleton *object = cmt_object_skeleton_new (path);
  g_autoptr(CmtCloudAccount) account = cmt_cloud_account_skeleton_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_object_set (account,
                "email", email,
                "site-url", "https://acme.atlassian.net",
                "display-name", display_name,
                "token-expires-at", now + 200 * DAY,
                "status", "valid",
                NULL);
  cmt_object_skeleton_set_cloud_account (object, account);
  export (manager, object);
}

GDBusObjectManagerServer *
flows_fixture_new (const char *product)
{
  GDBusObjectManagerServer *manager = g_dbus_object_manager_server_new ("/io/github/cmatoken");
  gboolean jira = g_strcmp0 (product, "jira") == 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  CmtObjectSkeleton *object;

  object = cmt_object_skeleton_new ("/io/github/cmatoken/Manager");
  {
    g_autoptr(CmtManager) iface = cmt_manager_skeleton_new ();
    g_object_set (iface,
                  "version", "0.1.0",
                  "container-token-lifetime", 21 * DAY,
                  "warn-before", 5 * DAY,
                  "credential-warn-before", 7 * DAY,
                  "keyring-state", "unlocked",
                  NULL);
    cmt_object_skeleton_set_manager (object, iface);
  }
  export (manager, object);

  object = cmt_object_skeleton_new (FIXTURE_SERVER_PATH);
  {
    g_autoptr(CmtServer) iface = cmt_server_skeleton_new ();
    g_object_set (iface,
                  "product", product,
                  "base-url", jira ? "https://jira.example.com" : "https://example.com/confluence",
                  "auth-kind", "pat",
                  "username", "",
                  "status", "valid",
                  NULL);
    cmt_object_skeleton_set_server (object, iface);
  }
  export (manager, object);

  flows_fixture_add_account (manager, FIXTURE_ACCOUNT_PATH, "admin@example.com", "Ada Admin");
  flows_fixture_add_account (manager, FIXTURE_ACCOUNT2_PATH, "ops@example.com", "Oskar Ops");

  object = cmt_object_skeleton_new (FIXTURE_OTHER_SITE_ACCOUNT_PATH);
  {
    g_autoptr(CmtCloudAccount) iface = cmt_cloud_account_skeleton_new ();
    g_object_set (iface,
                  "email", "someone@elsewhere.example",
                  "site-url", "https://elsewhere.atlassian.net",
                  "display-name", "Someone Elsewhere",
                  "status", "valid",
                  NULL);
    cmt_object_skeleton_set_cloud_account (object, iface);
  }
  export (manager, object);

  object = cmt_object_skeleton_new (FIXTURE_CONNECTION_PATH);
  {
    g_autoptr(CmtConnection) iface = cmt_connection_skeleton_new ();
    g_object_set (iface,
                  "server", FIXTURE_SERVER_PATH,
                  "cloud-account", FIXTURE_ACCOUNT_PATH,
                  "product", product,
                  "cloud-site-url", "https://acme.atlassian.net",
                  "renewed-at", now - 18 * DAY,
                  "expires-at", now + 3 * DAY,
                  "status", "expiring",
                  "renewing", FALSE,
                  "renew-step", "",
                  "last-error", "",
                  NULL);
    cmt_object_skeleton_set_connection (object, iface);
  }
  export (manager, object);

  return manager;
}

CmtConnection *
flows_fixture_get_connection (GDBusObjectManagerServer *manager)
{
  g_autoptr(GDBusObject) object =
    g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (manager), FIXTURE_CONNECTION_PATH);

  return object != NULL ? cmt_object_peek_connection (CMT_OBJECT (object)) : NULL;
}
