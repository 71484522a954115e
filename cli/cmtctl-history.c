/* cmtctl-history.c: "cmatokenctl history | export": what happened, for change tickets and audits */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cmt-error.h"
#include "cmt-history.h"
#include "cmtctl-client.h"
#include "cmtctl-commands.h"

/* 2026-12-03T09:30:00Z */
static char *
iso_time (gint64 time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (time);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

/* 2026-12-03 10:30, local time */
static char *
local_time (gint64 time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (time);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("");
}

static void
print_text (GVariant *entries)
{
  GVariantIter iter;
  GVariant *entry;

  if (g_variant_n_children (entries) == 0)
    {
      printf ("%s\n", _("Nothing recorded yet."));
      return;
    }
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_autofree char *when = local_time (cmt_history_entry_time (entry));
      g_autofree char *subject = cmtctl_sanitize (cmt_history_entry_string (entry, "subject"));
      g_autofree char *caller = cmtctl_sanitize (cmt_history_entry_string (entry, "caller"));
      g_autofree char *account = cmtctl_sanitize (cmt_history_entry_string (entry, "account"));
      const char *result = cmt_history_result_label (cmt_history_entry_string (entry, "result"));
      const char *error = cmt_history_entry_string (entry, "error");
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append_printf (line, "%s  %s", when, subject);
      if (*account != '\0' && strstr (subject, account) == NULL)
        g_string_append_printf (line, " (%s)", account);
      g_string_append_printf (line, ": %s", cmt_history_kind_label (cmt_history_entry_string (entry, "kind")));
      if (*result != '\0')
        {
          g_string_append_printf (line, ", %s", result);
          if (*error != '\0')
            g_string_append_printf (line, " (%s)", error);
        }
      if (*caller != '\0')
        /* Translators: who asked: "by cmatokenctl". */
        g_string_append_printf (line, " — %s", caller);
      printf ("%s\n", line->str);
    }
}

static char *
to_json (GVariant *entries)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  GVariantIter iter;
  GVariant *entry;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_autofree char *iso = iso_time (cmt_history_entry_time (entry));
      const char *const keys[] = { "object", "kind", "result", "caller", "account", "subject" };

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "time");
      json_builder_add_int_value (b, cmt_history_entry_time (entry));
      json_builder_set_member_name (b, "time_iso");
      json_builder_add_string_value (b, iso);
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_string_value (b, cmt_history_entry_string (entry, keys[i]));
        }
      json_builder_set_member_name (b, "error_code");
      json_builder_add_string_value (b, cmt_history_entry_string (entry, "error"));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void
csv_field (GString    *out,
           const char *value)
{
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static char *
to_csv (GVariant *entries)
{
  const char *const keys[] = { "object", "kind", "result", "error", "caller", "account", "subject" };
  GString *out = g_string_new ("time,time_iso,object,kind,result,error_code,caller,account,subject\r\n");
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_autofree char *iso = iso_time (cmt_history_entry_time (entry));

      g_string_append_printf (out, "%" G_GINT64_FORMAT ",%s", cmt_history_entry_time (entry), iso);
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          g_autofree char *clean = cmtctl_sanitize (cmt_history_entry_string (entry, keys[i]));
          g_string_append_c (out, ',');
          csv_field (out, clean);
        }
      g_string_append (out, "\r\n");
    }
  return g_string_free (out, FALSE);
}

/* Asks the service; @object NULL for everything. */
static GVariant *
get_history (CmtctlClient *client,
             const char   *object,
             gint64        since,
             guint         limit,
             GError      **error)
{
  g_auto(GVariantBuilder) filter = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariant *entries = NULL;

  if (object != NULL)
    g_variant_builder_add (&filter, "{sv}", "object", g_variant_new_object_path (object));
  if (since != 0)
    g_variant_builder_add (&filter, "{sv}", "since", g_variant_new_int64 (since));
  if (limit != 0)
    g_variant_builder_add (&filter, "{sv}", "limit", g_variant_new_uint32 (limit));
  if (!cmt_manager_call_get_history_sync (cmtctl_client_get_manager (client),
                                          g_variant_builder_end (&filter), &entries, NULL, error))
    {
      cmtctl_error_from_call (error);
      return NULL;
    }
  return entries;
}

/* An object the service has, by any of its names; or one that is gone, by its path. */
static char *
object_path_of (CmtctlClient *client,
                const char   *name,
                GError      **error)
{
  g_autoptr(CmtObject) object = NULL;

  if (name[0] == '/' && g_variant_is_object_path (name))
    return g_strdup (name);
  object = cmtctl_client_lookup (client, name, CMTCTL_KIND_ANY, NULL, error);
  if (object == NULL)
    return NULL;
  return g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));
}

/* Connects, finds @name (NULL: everything) and asks; prints a failure and
 * sets *exit_code when it returns NULL. */
static GVariant *
fetch_history (const char *name,
               gint64      since,
               guint       limit,
               int        *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CmtctlClient) client = cmtctl_client_new (&error);
  g_autofree char *path = NULL;
  GVariant *history = NULL;

  if (client != NULL && (name == NULL || (path = object_path_of (client, name, &error)) != NULL))
    history = get_history (client, path, since, limit, &error);
  if (history == NULL)
    *exit_code = cmtctl_fail (error);
  return history;
}

int
cmtctl_cmd_history (const CmtctlCommand *command,
                    int                  argc,
                    char               **argv)
{
  gboolean json = FALSE;
  g_autofree char *since_text = NULL;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text, N_("Only what happened on or after this date"),
      N_("DATE") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Only the newest N entries"), N_("N") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) history = NULL;
  gint64 since = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 0, 1, &argc, &argv, &exit_code))
    return exit_code;
  if (since_text != NULL && !cmtctl_parse_date (since_text, FALSE, &since, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);
  if (limit < 0)
    return cmtctl_usage_error (command->name, "%s", _("The limit must be a positive number."));

  history = fetch_history (argc > 1 ? argv[1] : NULL, since, (guint) limit, &exit_code);
  if (history == NULL)
    return exit_code;

  if (json)
    {
      g_autofree char *text = to_json (history);
      printf ("%s\n", text);
    }
  else
    print_text (history);
  return CMTCTL_EXIT_OK;
}

int
cmtctl_cmd_export (const CmtctlCommand *command,
                   int                  argc,
                   char               **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *since_text = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("csv or json (default: csv)"), N_("FORMAT") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text, N_("Only what happened on or after this date"),
      N_("DATE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autofree char *text = NULL;
  gint64 since = 0;
  int exit_code;

  if (!cmtctl_parse_options (command, entries, 0, 0, &argc, &argv, &exit_code))
    return exit_code;
  if (format != NULL && !g_str_equal (format, "csv") && !g_str_equal (format, "json"))
    return cmtctl_usage_error (command->name, _("Unknown format “%s”: use csv or json."), format);
  if (since_text != NULL && !cmtctl_parse_date (since_text, FALSE, &since, &error))
    return cmtctl_usage_error (command->name, "%s", error->message);

  history = fetch_history (NULL, since, 0, &exit_code);
  if (history == NULL)
    return exit_code;
  text = format != NULL && g_str_equal (format, "json") ? to_json (history) : to_csv (history);
  fputs (text, stdout);
  if (format != NULL && g_str_equal (format, "json"))
    fputc ('\n', stdout);
  return CMTCTL_EXIT_OK;
}
