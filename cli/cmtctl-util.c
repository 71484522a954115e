/* cmtctl-util.c: what every cmatokenctl command shares: exit codes, messages, dates, words */
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "cmt-error.h"
#include "cmtctl-util.h"

void
cmtctl_error_from_call (GError **error)
{
  g_autofree char *why = NULL;
  GError *mapped = NULL;

  if (error == NULL || *error == NULL)
    return;
  cmt_error_from_dbus (error);
  if ((*error)->domain == CMT_ERROR)
    return;

  g_dbus_error_strip_remote_error (*error);
  why = cmtctl_clause ((*error)->message);
  if (g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    mapped = g_error_new (CMT_ERROR, CMT_ERROR_FAILED,
                          /* Translators: %s is what D-Bus said. */
                          _("The cmatoken service stopped before it answered (%s). Try again; if it happens "
                            "again, look at the service’s log, for example with “journalctl --user -u cmatokend”."),
                          why);
  else if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
           g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT))
    mapped = g_error_new_literal (CMT_ERROR, CMT_ERROR_FAILED,
                                  _("The cmatoken service did not answer in time. Try again; if it keeps "
                                    "happening, restart it with “cmatokend --replace”."));
  else if (g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
           g_error_matches (*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    mapped = g_error_new (CMT_ERROR, CMT_ERROR_NOT_FOUND,
                          /* Translators: %s is the program name. */
                          _("It is gone: something removed it meanwhile. “%s status” shows what is stored."),
                          g_get_prgname ());
  if (mapped != NULL)
    {
      g_error_free (*error);
      *error = mapped;
    }
}

int
cmtctl_fail (const GError *error)
{
  g_autofree char *message = cmtctl_sanitize (error != NULL ? error->message : "");

  fprintf (stderr, "%s: %s\n", g_get_prgname (), message);
  return CMTCTL_EXIT_FAILURE;
}

int
cmtctl_fail_message (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", g_get_prgname (), message);
  return CMTCTL_EXIT_FAILURE;
}

int
cmtctl_usage_error (const char *command,
                    const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\n", g_get_prgname (), message);
  if (command != NULL)
    /* Translators: %1$s is the program, %2$s a command such as "renew". */
    fprintf (stderr, _("Run “%1$s %2$s --help” for its usage.\n"), g_get_prgname (), command);
  else
    fprintf (stderr, _("Run “%s --help” for the list of commands.\n"), g_get_prgname ());
  return CMTCTL_EXIT_USAGE;
}

/* @message with the value of every "--option=value" of @typed replaced by "…". */
static char *
hide_option_values (const char        *message,
                    const char *const *typed)
{
  g_autoptr(GString) out = g_string_new (message);

  for (guint i = 0; typed != NULL && typed[i] != NULL; i++)
    {
      const char *eq = typed[i][0] == '-' ? strchr (typed[i], '=') : NULL;
      if (eq != NULL && eq[1] != '\0')
        g_string_replace (out, eq + 1, "…", 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
cmtctl_parse_options (const CmtctlCommand *command,
                      const GOptionEntry  *entries,
                      int                  min_args,
                      int                  max_args,
                      int                 *argc,
                      char              ***argv,
                      int                 *exit_code)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_prgname = g_strdup (g_get_prgname ());
  g_autofree char *full_name = g_strdup_printf ("%s %s", saved_prgname, command->name);
  gboolean ok;

  /* _("") would be the catalogue's header. */
  const char *parameters = *command->parameters != '\0' ? _(command->parameters) : NULL;

  context = g_option_context_new (parameters);
  g_option_context_set_summary (context, _(command->summary));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  /* GOption edits argv: keep what was typed, to keep option values out of
   * its messages ("Unknown option --token=…" must not repeat a secret). */
  g_auto(GStrv) typed = g_strdupv (*argv);

  /* GOption prints the program name in --help: make it "cmatokenctl renew". */
  g_set_prgname (full_name);
  ok = g_option_context_parse (context, argc, argv, &error);
  g_set_prgname (saved_prgname);

  if (!ok)
    {
      g_autofree char *message = hide_option_values (error->message, (const char *const *) typed);
      *exit_code = cmtctl_usage_error (command->name, "%s", message);
      return FALSE;
    }
  /* (*argv)[0] is the command name. */
  if (*argc - 1 < min_args)
    {
      /* The usage line is command syntax, not a sentence: it is not translated. */
      g_autofree char *usage = g_strjoin (" ", g_get_prgname (), command->name,
                                          parameters != NULL ? parameters : "", NULL);

      g_strchomp (usage);
      /* Translators: %s is the command's syntax, e.g. "cmatokenctl remove OBJECT". */
      *exit_code = cmtctl_usage_error (command->name,
                                       _("Some arguments are missing. Usage: %s"),
                                       usage);
      return FALSE;
    }
  if (*argc - 1 > max_args)
    {
      guint extra = (guint) (*argc - 1 - max_args);
      /* The extra words are not repeated: one may be a secret typed by mistake. */
      *exit_code = cmtctl_usage_error (command->name,
                                       g_dngettext (GETTEXT_PACKAGE,
                                                    "Too many arguments (%u more than the command takes). They are not shown here, in case one is a secret: secrets are read from standard input or a prompt, never from the command line.",
                                                    "Too many arguments (%u more than the command takes). They are not shown here, in case one is a secret: secrets are read from standard input or a prompt, never from the command line.",
                                                    extra),
                                       extra);
      return FALSE;
    }
  return TRUE;
}

static gboolean
all_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

gboolean
cmtctl_parse_date (const char  *text,
                   gboolean     end_of_day,
                   gint64      *out,
                   GError     **error)
{
  int year, month, day;
  char tail;

  if (text != NULL && all_digits (text) && strlen (text) <= 12)
    {
      gint64 value = g_ascii_strtoll (text, NULL, 10);
      /* Up to the end of year 9999, as GDateTime can represent it. */
      if (value > 0 && value < G_GINT64_CONSTANT (253402300800))
        {
          *out = value;
          return TRUE;
        }
    }
  else if (text != NULL && strlen (text) == 10 &&
           sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) == 3 &&
           g_date_valid_dmy (day, month, year))
    {
      g_autoptr(GDateTime) start = g_date_time_new_local (year, month, day, 0, 0, 0);
      if (start != NULL)
        {
          if (end_of_day)
            {
              g_autoptr(GDateTime) next = g_date_time_add_days (start, 1);
              *out = g_date_time_to_unix (next) - 1;
            }
          else
            *out = g_date_time_to_unix (start);
          return TRUE;
        }
    }
  else if (text != NULL && strchr (text, 'T') != NULL)
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (text, local);
      if (dt != NULL && g_date_time_to_unix (dt) > 0)
        {
          *out = g_date_time_to_unix (dt);
          return TRUE;
        }
    }

  g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a date. Write it as YYYY-MM-DD (for example 2026-12-31) or as a Unix timestamp."),
               text != NULL ? text : "");
  return FALSE;
}

char *
cmtctl_sanitize (const char *text)
{
  GString *out;
  const char *p;

  if (text == NULL)
    return g_strdup ("");
  if (!g_utf8_validate (text, -1, NULL))
    return g_utf8_make_valid (text, -1);

  out = g_string_sized_new (strlen (text));
  for (p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

char *
cmtctl_clause (const char *message)
{
  char *out = cmtctl_sanitize (message);
  gsize len;

  g_strstrip (out);
  len = strlen (out);
  while (len > 0 && (out[len - 1] == '.' || out[len - 1] == ' '))
    out[--len] = '\0';
  return out;
}

const char *
cmtctl_status_label (const char *status)
{
  if (g_strcmp0 (status, "valid") == 0)
    /* Translators: a token's or credential's status in a table. */
    return C_("status", "valid");
  if (g_strcmp0 (status, "expiring") == 0)
    /* Translators: a token's or credential's status in a table. */
    return C_("status", "expiring");
  if (g_strcmp0 (status, "expired") == 0)
    /* Translators: a token's or credential's status in a table. */
    return C_("status", "expired");
  if (g_strcmp0 (status, "invalid") == 0)
    /* Translators: a credential's status in a table: it was rejected. */
    return C_("status", "invalid");
  if (g_strcmp0 (status, "expiry-unknown") == 0)
    /* Translators: an API token's status in a table: it works, but nobody entered when it expires. */
    return C_("status", "expiry unknown");
  /* Translators: a token's or credential's status in a table: not known yet. */
  return C_("status", "unknown");
}

const char *
cmtctl_path_id (const char *object_path)
{
  const char *slash = object_path != NULL ? strrchr (object_path, '/') : NULL;

  return slash != NULL ? slash + 1 : (object_path != NULL ? object_path : "");
}

gboolean
cmtctl_is_object_id (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (; *text; text++)
    if (!g_ascii_isalnum (*text) && *text != '_')
      return FALSE;
  return TRUE;
}

char *
cmtctl_expiry_cell (CmtExpiryKind kind,
                    gint64        expires_at,
                    gint64        now)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *date = NULL;
  gint64 delta = expires_at - now;

  if (expires_at <= 0)
    return cmt_expiry_describe (kind, 0, 0, now);
  utc = g_date_time_new_from_unix_utc (expires_at);
  local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  if (local == NULL)
    return cmt_expiry_describe (kind, expires_at, 0, now);
  date = g_date_time_format (local, "%Y-%m-%d");

  if (delta > 0 && delta < CMT_SECONDS_PER_DAY)
    /* Translators: an expiry date and the hours left, "2026-12-08 (5 h)". */
    return g_strdup_printf (C_("time left", "%1$s (%2$d h)"), date, (int) MAX ((delta + 3599) / 3600, 1));
  if (delta > 0)
    /* Translators: an expiry date and the days left, "2026-12-23 (21 d)". */
    return g_strdup_printf (C_("time left", "%1$s (%2$d d)"), date,
                            (int) ((delta + CMT_SECONDS_PER_DAY - 1) / CMT_SECONDS_PER_DAY));
  if (-delta < CMT_SECONDS_PER_DAY)
    /* Translators: an expiry date and the hours since, "2026-12-08 (3 h ago)". */
    return g_strdup_printf (C_("time past", "%1$s (%2$d h ago)"), date, (int) (-delta / 3600));
  /* Translators: an expiry date and the days since, "2026-12-05 (2 d ago)". */
  return g_strdup_printf (C_("time past", "%1$s (%2$d d ago)"), date, (int) (-delta / CMT_SECONDS_PER_DAY));
}
