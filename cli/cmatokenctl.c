/* cmatokenctl.c: the command line client of cmatokend: finds the command and runs it */
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmtctl-commands.h"

static const CmtctlCommand commands[] = {
  { "status", "", N_("Show every connection, cloud account and server, and what needs attention"),
    cmtctl_cmd_status },
  { "add-cloud-account", N_("EMAIL SITE_URL"),
    N_("Store a cloud site admin’s Atlassian API token (read from standard input)"),
    cmtctl_cmd_add_account },
  { "add-server", N_("jira|confluence URL --pat|--basic USERNAME"),
    N_("Store a Jira or Confluence server and its credential (read from standard input)"),
    cmtctl_cmd_add_server },
  { "add-connection", N_("SERVER CLOUD_ACCOUNT [CLOUD_SITE_URL]"),
    N_("Track a server’s connection to a cloud site (by default the account’s site)"),
    cmtctl_cmd_add_connection },
  { "check", N_("OBJECT"),
    N_("Check a cloud account’s or server’s credential now (for a connection: both)"),
    cmtctl_cmd_check },
  { "renew", N_("CONNECTION | --expiring | --all"),
    N_("Renew a connection’s container token through the Migration API"),
    cmtctl_cmd_renew },
  { "mark-renewed", N_("CONNECTION"),
    N_("Record a renewal done by hand in the server’s web pages"),
    cmtctl_cmd_mark_renewed },
  { "auto-renew", N_("CONNECTION on|off"),
    N_("Let the service renew a connection by itself before it expires, or stop it"),
    cmtctl_cmd_auto_renew },
  { "replace-secret", N_("OBJECT"),
    N_("Replace a cloud account’s API token or a server’s credential (read from standard input)"),
    cmtctl_cmd_replace_secret },
  { "label", N_("OBJECT TEXT | --clear"),
    N_("Give a connection, cloud account or server a name of your own (“本番 Jira”), shown first"),
    cmtctl_cmd_label },
  { "remove", N_("OBJECT | --all"),
    N_("Forget a connection, cloud account or server and its stored credential, or all of them"),
    cmtctl_cmd_remove },
  { "history", N_("[OBJECT]"),
    N_("Show what happened: renewals, failures, additions, replaced credentials, removals"),
    cmtctl_cmd_history },
  { "export", "",
    N_("Print the whole history as CSV or JSON, for change tickets and audits"),
    cmtctl_cmd_export },
  { "open", N_("[CONNECTION]"),
    N_("Open the cmatoken app, at a connection if one is named"),
    cmtctl_cmd_open },
};

static void
print_usage (FILE *out)
{
  const char *prgname = g_get_prgname ();
  int width = 0;

  /* Translators: %s is the program name. */
  fprintf (out, _("Usage: %s COMMAND [OPTION…] [ARGUMENT…]\n"), prgname);
  fprintf (out, "\n%s\n\n", _("Tracks and renews the container tokens that Atlassian’s Jira and Confluence "
                              "Cloud Migration Assistants (JCMA, CCMA) hold, through the cmatoken service."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (int) strlen (commands[i].name));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-*s  %s\n", width, commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("OBJECT, CONNECTION, SERVER and CLOUD_ACCOUNT are named by id, by object path, by the "
                            "server’s URL or by the account’s email (EMAIL@SITE_URL when an email has several sites)."));
  fprintf (out, "%s\n", _("Secrets are read from standard input (one line) or typed at a prompt that does not echo; "
                          "never from the command line."));
  fprintf (out, "%s\n", _("DATE is YYYY-MM-DD, an ISO 8601 date and time (2026-12-23T09:00:00+09:00) or a Unix timestamp; "
                          "a day alone means its end for --expires, its start for the other options."));
  fprintf (out, "%s\n", _("Exit status: 0 done, 1 failed, 2 usage error, 3 (status) something needs attention."));
  /* Translators: %1$s is the program name. */
  fprintf (out, _("Run “%1$s COMMAND --help” for a command’s options, “%1$s --version” for the version.\n"), prgname);
}

int
main (int    argc,
      char **argv)
{
  const char *name;

  setlocale (LC_ALL, "");
  /* CMT_LOCALEDIR: the build tree's translations, for tests and the demo (as the app). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CMT_LOCALEDIR") != NULL ? g_getenv ("CMT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("cmatokenctl");

  if (argc < 2)
    {
      print_usage (stderr);
      return CMTCTL_EXIT_USAGE;
    }

  name = argv[1];
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "help"))
    {
      print_usage (stdout);
      return CMTCTL_EXIT_OK;
    }
  if (g_str_equal (name, "--version"))
    {
      printf ("cmatokenctl %s\n", CMT_VERSION);
      return CMTCTL_EXIT_OK;
    }

  /* The shell completion's questions (data/completion/). */
  if (g_str_equal (name, "__complete"))
    return cmtctl_complete (commands, G_N_ELEMENTS (commands), argc - 1, argv + 1);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      return commands[i].run (&commands[i], argc - 1, argv + 1);

  return cmtctl_usage_error (NULL, _("Unknown command “%s”."), name);
}
