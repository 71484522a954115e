/* cmtctl-complete.c: "cmatokenctl __complete …", what the bash and zsh completion ask (data/completion/) */
#include <stdio.h>
#include <string.h>

#include "cmt-dbus.h"
#include "cmt-names.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"

/*
 * Not a command for people, so not in --help nor translated. One candidate
 * a line on standard output, exit status 0, nothing at all when there is
 * nothing to offer (an unknown command, the service not running: it is
 * never started for a completion). No secret is ever printed: only ids,
 * URLs, emails and labels.
 *
 *   __complete commands
 *   __complete options CMD        its long options; "--since=" takes a value
 *   __complete arg CMD N          candidates for its Nth argument
 *   __complete value CMD OPTION   candidates for the value of OPTION
 */

/* What a command's positional arguments stand for. */
typedef struct {
  const char *command;
  const char *args[3];   /* "connection", "server", "cloud-account", "credential", "any", "words:a b" or NULL */
} ArgKinds;

static const ArgKinds arg_kinds[] = {
  { "add-server",     { "words:jira confluence", NULL, NULL } },
  { "add-connection", { "server", "cloud-account", NULL } },
  { "check",          { "any", NULL, NULL } },
  { "renew",          { "connection", NULL, NULL } },
  { "mark-renewed",   { "connection", NULL, NULL } },
  { "auto-renew",     { "connection", "words:on off", NULL } },
  { "replace-secret", { "credential", NULL, NULL } },
  { "remove",         { "any", NULL, NULL } },
  { "label",          { "any", NULL, NULL } },
  { "history",        { "any", NULL, NULL } },
  { "open",           { "connection", NULL, NULL } },
};

/* What the values of options stand for. */
static const struct {
  const char *option;
  const char *kind;
} value_kinds[] = {
  { "--cloud-account", "cloud-account" },
  { "--format",        "words:csv json" },
};

static const CmtctlCommand *
find_command (const CmtctlCommand *commands,
              guint                n_commands,
              const char          *name)
{
  for (guint i = 0; i < n_commands; i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* The long options that "cmatokenctl CMD --help" lists, read from it (in the
 * C locale), so that they are the command's own GOption entries. */
static void
print_options (const char *command)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *argv[] = { self, command, "--help", NULL };
  int status = 0;

  if (self == NULL)
    return;
  env = g_environ_setenv (env, "LC_ALL", "C", TRUE);
  env = g_environ_unsetenv (env, "LANGUAGE");
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return;

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "  -h, --help         Show help options", "  --since=DATE   Only …":
       * the option column ends where two spaces begin. */
      const char *start = lines[i] + strspn (lines[i], " ");
      const char *gap = strstr (start, "  ");
      g_autofree char *column = NULL;
      g_auto(GStrv) names = NULL;

      if (start == lines[i] || *start != '-')
        continue;
      column = gap != NULL ? g_strndup (start, gap - start) : g_strdup (start);
      names = g_strsplit (column, ", ", -1);
      for (guint j = 0; names[j] != NULL; j++)
        {
          char *eq = strchr (names[j], '=');

          if (!g_str_has_prefix (names[j], "--") || strlen (names[j]) < 3)
            continue;
          if (eq != NULL)
            *eq = '\0';
          if (g_hash_table_add (seen, g_strdup (names[j])))
            printf ("%s%s\n", names[j], eq != NULL ? "=" : "");
        }
    }
}

/* The names of the service's objects of @kinds, without starting it. */
static void
print_objects (CmtctlKind kinds)
{
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autolist(GDBusObject) objects = NULL;
  gboolean has_owner = FALSE;

  /* No session bus: "autolaunch:" would start one for a key press. */
  if (address == NULL || g_str_has_prefix (address, "autolaunch:"))
    return;
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
  if (bus == NULL)
    return;
  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", CMT_DAEMON_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);
  if (!has_owner)
    return;
  manager = cmt_object_manager_client_new_sync (bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                CMT_DAEMON_BUS_NAME, CMT_OBJECT_MANAGER_PATH, NULL, NULL);
  if (manager == NULL)
    return;

  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      CmtObject *object = CMT_OBJECT (l->data);
      const char *path = g_dbus_object_get_object_path (l->data);
      CmtConnection *connection = cmt_object_peek_connection (object);
      CmtServer *server = cmt_object_peek_server (object);
      CmtCloudAccount *account = cmt_object_peek_cloud_account (object);

      const char *label = connection != NULL ? cmt_connection_get_label (connection)
                          : server != NULL ? cmt_server_get_label (server)
                          : account != NULL ? cmt_cloud_account_get_label (account) : NULL;

      /* A label names its object too (the shell quotes its spaces). */
      if (label != NULL && *label != '\0' &&
          (kinds & (connection != NULL ? CMTCTL_KIND_CONNECTION
                    : server != NULL ? CMTCTL_KIND_SERVER : CMTCTL_KIND_ACCOUNT)) != 0)
        printf ("%s\n", label);
      if (connection != NULL && (kinds & CMTCTL_KIND_CONNECTION) != 0)
        {
          /* A server's URL names its connection too (when it has one). */
          g_autoptr(CmtObject) part =
            CMT_OBJECT (g_dbus_object_manager_get_object (manager, cmt_connection_get_server (connection)));
          printf ("%s\n", cmtctl_path_id (path));
          if (part != NULL && cmt_object_peek_server (part) != NULL && (kinds & CMTCTL_KIND_SERVER) == 0)
            printf ("%s\n", cmt_server_get_base_url (cmt_object_peek_server (part)));
        }
      else if (server != NULL && (kinds & CMTCTL_KIND_SERVER) != 0)
        printf ("%s\n%s\n", cmtctl_path_id (path), cmt_server_get_base_url (server));
      else if (account != NULL && (kinds & CMTCTL_KIND_ACCOUNT) != 0)
        printf ("%s\n%s\n", cmtctl_path_id (path), cmt_cloud_account_get_email (account));
    }
}

static void
print_kind (const char *kind)
{
  if (g_str_has_prefix (kind, "words:"))
    {
      g_auto(GStrv) words = g_strsplit (kind + strlen ("words:"), " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        printf ("%s\n", words[i]);
    }
  else if (g_str_equal (kind, "connection"))
    print_objects (CMTCTL_KIND_CONNECTION);
  else if (g_str_equal (kind, "server"))
    print_objects (CMTCTL_KIND_SERVER);
  else if (g_str_equal (kind, "cloud-account"))
    print_objects (CMTCTL_KIND_ACCOUNT);
  else if (g_str_equal (kind, "credential"))
    print_objects (CMTCTL_KIND_ACCOUNT | CMTCTL_KIND_SERVER);
  else if (g_str_equal (kind, "any"))
    print_objects (CMTCTL_KIND_ANY);
}

int
cmtctl_complete (const CmtctlCommand *commands,
                 guint                n_commands,
                 int                  argc,
                 char               **argv)
{
  const char *what = argc > 1 ? argv[1] : "";
  const CmtctlCommand *command = argc > 2 ? find_command (commands, n_commands, argv[2]) : NULL;

  if (g_str_equal (what, "commands"))
    {
      for (guint i = 0; i < n_commands; i++)
        printf ("%s\n", commands[i].name);
    }
  else if (g_str_equal (what, "options") && command != NULL)
    print_options (command->name);
  else if (g_str_equal (what, "arg") && command != NULL && argc > 3)
    {
      guint64 n = 0;

      if (!g_ascii_string_to_unsigned (argv[3], 10, 1, 3, &n, NULL))
        return CMTCTL_EXIT_OK;
      for (guint i = 0; i < G_N_ELEMENTS (arg_kinds); i++)
        if (g_str_equal (arg_kinds[i].command, command->name) && arg_kinds[i].args[n - 1] != NULL)
          print_kind (arg_kinds[i].args[n - 1]);
    }
  else if (g_str_equal (what, "value") && command != NULL && argc > 3)
    {
      for (guint i = 0; i < G_N_ELEMENTS (value_kinds); i++)
        if (g_str_equal (value_kinds[i].option, argv[3]))
          print_kind (value_kinds[i].kind);
    }
  fflush (stdout);
  return CMTCTL_EXIT_OK;
}
