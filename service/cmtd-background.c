/* cmtd-background.c: watching in the background — the systemd user unit follows the preference */
#include "cmtd-background.h"

#define SYSTEMD_BUS_NAME   "org.freedesktop.systemd1"
#define SYSTEMD_PATH       "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER    "org.freedesktop.systemd1.Manager"

typedef struct {
  GDBusConnection *bus;
  gboolean         wanted;
} Sync;

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->bus);
  g_free (sync);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sync, sync_free)

static void
changed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Sync) sync = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_message ("Could not %s %s for graphical sessions: %s", sync->wanted ? "enable" : "disable",
                 CMTD_SYSTEMD_UNIT, error->message);
      return;
    }
  g_message ("Watching in the background is %s: %s %s for graphical sessions",
             sync->wanted ? "on" : "off", sync->wanted ? "enabled" : "disabled", CMTD_SYSTEMD_UNIT);
  /* systemd asks for a reload after a change of unit files. */
  g_dbus_connection_call (sync->bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "Reload",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
}

static void
got_state (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Sync) sync = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *state = NULL;
  const char *const units[] = { CMTD_SYSTEMD_UNIT, NULL };
  Sync *next;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* No systemd user instance, or the unit is not installed. */
      g_debug ("No systemd user unit to follow the preference: %s", error->message);
      return;
    }
  g_variant_get (reply, "(&s)", &state);
  g_debug ("%s is %s; watching in the background is wanted: %s", CMTD_SYSTEMD_UNIT, state,
           sync->wanted ? "yes" : "no");

  next = g_steal_pointer (&sync);
  if (next->wanted && g_str_equal (state, "disabled"))
    g_dbus_connection_call (next->bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                            "EnableUnitFiles", g_variant_new ("(^asbb)", units, FALSE, FALSE),
                            G_VARIANT_TYPE ("(ba(sss))"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                            NULL, changed, next);
  else if (!next->wanted && g_str_equal (state, "enabled"))
    g_dbus_connection_call (next->bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                            "DisableUnitFiles", g_variant_new ("(^asb)", units, FALSE),
                            G_VARIANT_TYPE ("(a(sss))"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                            NULL, changed, next);
  else
    sync_free (next); /* as wanted already, or the administrator's (global, masked, static) */
}

void
cmtd_background_sync_unit (GDBusConnection *bus,
                           gboolean         wanted)
{
  Sync *sync;

  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));

  sync = g_new0 (Sync, 1);
  sync->bus = g_object_ref (bus);
  sync->wanted = wanted;
  g_dbus_connection_call (bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnitFileState",
                          g_variant_new ("(s)", CMTD_SYSTEMD_UNIT), G_VARIANT_TYPE ("(s)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, got_state, sync);
}
