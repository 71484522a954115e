/* cmtctl-open.c: "cmatokenctl open": shows the app, at a connection when one is named */
#include <glib/gi18n.h>
#include <stdio.h>

#include "cmt-error.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"

#define CMT_APP_PATH "/io/github/cmatoken"
/* The app may be started by D-Bus activation first. */
#define OPEN_TIMEOUT_MS (60 * 1000)

/* What a launcher passes on, so the window may take the focus. */
static GVariant *
platform_data (void)
{
  g_auto(GVariantBuilder) data = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char *startup_id = g_getenv ("DESKTOP_STARTUP_ID");
  const char *activation_token = g_getenv ("XDG_ACTIVATION_TOKEN");

  if (startup_id != NULL && g_utf8_validate (startup_id, -1, NULL))
    g_variant_builder_add (&data, "{sv}", "desktop-startup-id", g_variant_new_string (startup_id));
  if (activation_token != NULL && g_utf8_validate (activation_token, -1, NULL))
    g_variant_builder_add (&data, "{sv}", "activation-token", g_variant_new_string (activation_token));
  return g_variant_builder_end (&data);
}

int
cmtctl_cmd_open (const CmtctlCommand *command,
                 int                  argc,
                 char               **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = NULL;
  g_autoptr(CmtObject) object = NULL;
  g_autoptr(GVariant) reply = NULL;
  GDBusConnection *bus;
  int exit_code;

  if (!cmtctl_parse_options (command, NULL, 0, 1, &argc, &argv, &exit_code))
    return exit_code;

  if (argc > 1)
    {
      const char *id;

      /* Through the service even for an id, so that a typo is caught here
       * rather than shown as an empty page. */
      client = cmtctl_client_new (&error);
      if (client == NULL)
        return cmtctl_fail (error);
      bus = cmtctl_client_get_bus (client);
      object = cmtctl_client_lookup (client, argv[1], CMTCTL_KIND_CONNECTION, NULL, &error);
      if (object == NULL)
        return cmtctl_fail (error);
      id = cmtctl_path_id (g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));
      reply = g_dbus_connection_call_sync (bus, CMT_APP_ID, CMT_APP_PATH,
                                           "org.freedesktop.Application", "ActivateAction",
                                           g_variant_new ("(s@av@a{sv})", "show-connection",
                                                          g_variant_new_parsed ("[<%s>]", id),
                                                          platform_data ()),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, OPEN_TIMEOUT_MS, NULL, &error);
    }
  else
    {
      /* The app itself says when the service is not running. */
      g_autoptr(GDBusConnection) session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

      if (session == NULL)
        {
          g_autofree char *why = cmtctl_clause (error->message);
          return cmtctl_fail_message (_("Cannot reach the D-Bus session bus: %s. Run cmatokenctl inside your "
                                        "desktop session, where the cmatoken service runs."), why);
        }
      reply = g_dbus_connection_call_sync (session, CMT_APP_ID, CMT_APP_PATH,
                                           "org.freedesktop.Application", "Activate",
                                           g_variant_new ("(@a{sv})", platform_data ()),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, OPEN_TIMEOUT_MS, NULL, &error);
    }

  if (reply == NULL)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      g_dbus_error_strip_remote_error (error);
      if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
          g_strcmp0 (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
        /* Translators: %1$s is the app's D-Bus name, %2$s the program name. */
        return cmtctl_fail_message (_("The cmatoken app (%1$s) is not installed, or D-Bus cannot start it. "
                                      "Install it, or use “%2$s status” instead."),
                                    CMT_APP_ID, g_get_prgname ());
      {
        g_autofree char *why = cmtctl_clause (error->message);
        /* Translators: %s is the reason D-Bus gave. */
        return cmtctl_fail_message (_("Could not open the cmatoken app: %s. Start it from the applications menu."),
                                    why);
      }
    }
  return CMTCTL_EXIT_OK;
}
