/* cmt-bench-dbus.c: times D-Bus method calls round trip, for the benchmark (bench.py) */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 *   cmt-bench-dbus [--count N] [--warmup N] [--timeout SECONDS] SPEC...
 *
 * SPEC is DEST|PATH|INTERFACE.METHOD or DEST|PATH|INTERFACE.METHOD|ARGS with
 * ARGS a GVariant tuple in text form, e.g. "('io.github.cmatoken.Manager1', 'Version')".
 * Each round calls every SPEC once, in turn, so that the specs share whatever
 * the machine is doing; the warm-up rounds are not reported. Prints JSON on
 * stdout: {"specs": [{"spec", "us": [...], "errors", "first_error", "reply_bytes"}]}.
 *
 * Python's own overhead per call (tens of microseconds) would swamp a bus
 * round trip, hence a C program; it makes blocking calls because it has
 * nothing else to do while it waits.
 */

typedef struct {
  char     *text;
  char     *dest;
  char     *path;
  char     *iface;
  char     *method;
  GVariant *args;
  GArray   *us;
  guint     errors;
  char     *first_error;
  gsize     reply_bytes;
} Spec;

static void
spec_free (Spec *spec)
{
  g_free (spec->text);
  g_free (spec->dest);
  g_free (spec->path);
  g_free (spec->iface);
  g_free (spec->method);
  g_clear_pointer (&spec->args, g_variant_unref);
  g_array_unref (spec->us);
  g_free (spec->first_error);
  g_free (spec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Spec, spec_free)

static Spec *
spec_parse (const char  *text,
            GError     **error)
{
  g_autoptr(Spec) spec = g_new0 (Spec, 1);
  g_auto(GStrv) parts = g_strsplit (text, "|", 4);
  const char *dot;

  spec->text = g_strdup (text);
  spec->us = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (g_strv_length (parts) < 3 || (dot = strrchr (parts[2], '.')) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "bad call %s: write DEST|PATH|INTERFACE.METHOD[|ARGS]", text);
      return NULL;
    }
  spec->dest = g_strdup (parts[0]);
  spec->path = g_strdup (parts[1]);
  spec->iface = g_strndup (parts[2], dot - parts[2]);
  spec->method = g_strdup (dot + 1);
  if (parts[3] != NULL && *parts[3] != '\0')
    {
      spec->args = g_variant_parse (NULL, parts[3], NULL, NULL, error);
      if (spec->args == NULL)
        return NULL;
      g_variant_ref_sink (spec->args);
    }
  return g_steal_pointer (&spec);
}

static void
call_once (GDBusConnection *bus,
           Spec            *spec,
           int              timeout_ms,
           gboolean         record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint64 start, elapsed;

  start = g_get_monotonic_time ();
  reply = g_dbus_connection_call_sync (bus, spec->dest, spec->path, spec->iface, spec->method,
                                       spec->args, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       timeout_ms, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  if (!record)
    return;
  if (reply == NULL)
    {
      spec->errors++;
      if (spec->first_error == NULL)
        spec->first_error = g_strdup (error->message);
      return;
    }
  spec->reply_bytes = g_variant_get_size (reply);
  g_array_append_val (spec->us, elapsed);
}

static void
print_json_string (const char *s)
{
  putchar ('"');
  for (; s != NULL && *s != '\0'; s++)
    {
      if (*s == '"' || *s == '\\')
        printf ("\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        printf ("\\u%04x", *s);
      else
        putchar (*s);
    }
  putchar ('"');
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) spec_free);
  int count = 100, warmup = 5;
  double timeout = 300;
  const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Timed rounds", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &warmup, "Rounds before timing", "N" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout, "Time limit of one call", "SECONDS" },
    { NULL }
  };

  context = g_option_context_new ("SPEC...");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2)
    {
      fprintf (stderr, "cmt-bench-dbus: %s\n", error != NULL ? error->message : "no call given");
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      Spec *spec = spec_parse (argv[i], &error);
      if (spec == NULL)
        {
          fprintf (stderr, "cmt-bench-dbus: %s\n", error->message);
          return 2;
        }
      g_ptr_array_add (specs, spec);
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      fprintf (stderr, "cmt-bench-dbus: cannot connect to the session bus: %s\n", error->message);
      return 1;
    }

  for (int round = 0; round < warmup + count; round++)
    for (guint i = 0; i < specs->len; i++)
      call_once (bus, g_ptr_array_index (specs, i), (int) (timeout * 1000), round >= warmup);

  printf ("{\"specs\": [");
  for (guint i = 0; i < specs->len; i++)
    {
      Spec *spec = g_ptr_array_index (specs, i);

      printf ("%s{\"spec\": ", i > 0 ? ", " : "");
      print_json_string (spec->text);
      printf (", \"errors\": %u, \"reply_bytes\": %" G_GSIZE_FORMAT ", \"first_error\": ",
              spec->errors, spec->reply_bytes);
      if (spec->first_error != NULL)
        print_json_string (spec->first_error);
      else
        printf ("null");
      printf (", \"us\": [");
      for (guint j = 0; j < spec->us->len; j++)
        printf ("%s%" G_GINT64_FORMAT, j > 0 ? ", " : "", g_array_index (spec->us, gint64, j));
      printf ("]}");
    }
  printf ("]}\n");
  return 0;
}
