/* fake-main.c: runs the fake Atlassian (cmatoken-fake-atlassian) until SIGTERM or SIGINT */
#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>

#include "fake-server.h"

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *scenario_path = NULL;
  g_autofree char *ready_file = NULL;
  gint port = 0;
  gboolean verbose = FALSE;
  const GOptionEntry entries[] = {
    { "scenario", 's', 0, G_OPTION_ARG_FILENAME, &scenario_path, "The scenario (JSON)", "FILE" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (default 0: any free port)", "N" },
    { "ready-file", 0, 0, G_OPTION_ARG_FILENAME, &ready_file, "Write the base URL here once listening", "PATH" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log each request (never a header or body) on stderr", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- a fake Atlassian cloud and servers on 127.0.0.1");
  g_autoptr(GError) error = NULL;
  g_autoptr(FakeScenario) scenario = NULL;
  g_autoptr(FakeServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  guint sigterm_id, sigint_id;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cmatoken-fake-atlassian: %s\n", error->message);
      return 2;
    }
  if (scenario_path == NULL)
    {
      g_printerr ("cmatoken-fake-atlassian: --scenario FILE is required\n");
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr ("cmatoken-fake-atlassian: --port must be between 0 and 65535\n");
      return 2;
    }

  if ((scenario = fake_scenario_load (scenario_path, &error)) == NULL)
    {
      g_printerr ("cmatoken-fake-atlassian: invalid scenario %s\n", error->message);
      return 2;
    }

  server = fake_server_new (g_steal_pointer (&scenario), verbose);
  if (!fake_server_listen (server, port, &error))
    {
      g_printerr ("cmatoken-fake-atlassian: cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
      return 1;
    }
  if (ready_file != NULL &&
      !g_file_set_contents (ready_file, fake_server_get_base_url (server), -1, &error))
    {
      g_printerr ("cmatoken-fake-atlassian: cannot write the ready file: %s\n", error->message);
      return 1;
    }
  printf ("READY %s\n", fake_server_get_base_url (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit, loop);
  g_main_loop_run (loop);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

  return 0;
}
