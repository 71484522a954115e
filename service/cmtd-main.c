/* cmtd-main.c: cmatokend's entry point: options, logging, signals, the main loop */
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "cmt-error.h"
#include "cmtd-daemon.h"

static gboolean verbose;

/* Debug and info messages only with --verbose (or G_MESSAGES_DEBUG); the
 * rest always. Nothing logged anywhere in cmatokend contains a secret. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *message = NULL;
  const char *prefix;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0 && !verbose &&
      g_log_writer_default_would_drop (level, G_LOG_DOMAIN))
    return G_LOG_WRITER_HANDLED;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;

  if (level & G_LOG_LEVEL_ERROR)
    prefix = "ERROR";
  else if (level & G_LOG_LEVEL_CRITICAL)
    prefix = "CRITICAL";
  else if (level & G_LOG_LEVEL_WARNING)
    prefix = "WARNING";
  else if (level & G_LOG_LEVEL_MESSAGE)
    prefix = "Message";
  else if (level & G_LOG_LEVEL_INFO)
    prefix = "Info";
  else
    prefix = "Debug";

  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%H:%M:%S.%f");
  fprintf (stderr, "cmatokend[%d] %s %.12s: %s\n", (int) getpid (), prefix, stamp, message);
  fflush (stderr);
  /* GLib itself aborts after fatal messages (G_DEBUG=fatal-criticals too). */
  return G_LOG_WRITER_HANDLED;
}

static gboolean
on_signal (gpointer user_data)
{
  CmtdDaemon *daemon = user_data;

  g_debug ("Signal received");
  cmtd_daemon_shutdown (daemon);
  return G_SOURCE_CONTINUE;
}

static void
on_finished (CmtdDaemon *daemon,
             GMainLoop  *loop)
{
  g_main_loop_quit (loop);
}

/* Before the main loop runs: a blocking call is fine here. */
static gboolean
name_has_owner (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", CMT_DAEMON_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtdDaemon) daemon = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *state_path = NULL;
  gboolean replace = FALSE;
  gboolean version = FALSE;
  gboolean login = FALSE;
  guint sigterm_id, sigint_id;
  int exit_code;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace the running instance"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Log what the service does to standard error"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { "login", 0, 0, G_OPTION_ARG_NONE, &login,
      N_("Started at login: exit unless watching in the background is on and a connection exists"), NULL },
    { NULL }
  };

  /* Notifications and error messages follow the session's LANGUAGE/LANG.
   * CMT_LOCALEDIR: the build tree's translations, for tests and the demo
   * (as the app and the CLI). */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CMT_LOCALEDIR") != NULL ? g_getenv ("CMT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Keeps the cloud migration tokens of Jira and Confluence servers renewed."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cmatokend: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("cmatokend %s\n", CMT_VERSION);
      return 0;
    }

  g_log_set_writer_func (log_writer, NULL, NULL);
  /* Registers our D-Bus error names before any error is returned. */
  (void) cmt_error_quark ();

  state_path = g_build_filename (g_get_user_data_dir (), "cmatoken", "state.ini", NULL);
  daemon = cmtd_daemon_new (state_path);
  if (!cmtd_daemon_load (daemon, &error))
    {
      g_printerr ("cmatokend: %s\n", error->message);
      return 1;
    }

  if (login && !cmtd_daemon_wants_background_watch (daemon))
    {
      g_message ("Not watching in the background: the preference is off, or no connection exists");
      return 0;
    }
  if (login && name_has_owner ())
    {
      g_message ("Already running");
      return 0;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (daemon, "finished", G_CALLBACK (on_finished), loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, daemon);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, daemon);

  cmtd_daemon_start (daemon, replace);
  g_main_loop_run (loop);

  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  exit_code = cmtd_daemon_get_exit_code (daemon);
  g_clear_object (&daemon);

  /* Lets GDBus and the worker threads drop what they still hold. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return exit_code;
}
