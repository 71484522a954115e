/* cmtctl-util.h: what every cmatokenctl command shares: exit codes, messages, dates, words */
#pragma once

#include <gio/gio.h>

#include "cmt-expiry.h"

G_BEGIN_DECLS

typedef enum {
  CMTCTL_EXIT_OK = 0,
  CMTCTL_EXIT_FAILURE = 1,
  CMTCTL_EXIT_USAGE = 2,
  CMTCTL_EXIT_ATTENTION = 3,
} CmtctlExit;

/* How a command is described to GOptionContext and in the global help. */
typedef struct _CmtctlCommand CmtctlCommand;

/* A command gets its own name in argv[0]. */
typedef int (*CmtctlRunFunc) (const CmtctlCommand *command,
                              int                  argc,
                              char               **argv);

/* How a command is described to GOptionContext and in the global help. */
struct _CmtctlCommand {
  const char    *name;
  const char    *parameters;   /* "EMAIL SITE_URL": N_(), translated for --help */
  const char    *summary;      /* N_() */
  CmtctlRunFunc  run;
};

/*
 * For the error of a failed call to the service: our own errors keep the
 * service's message (cmt_error_from_dbus()); the bus's own (no reply, timeout,
 * object gone) get one that says what to do.
 */
void         cmtctl_error_from_call    (GError     **error);

/* Prints "cmatokenctl: MESSAGE" on stderr and returns CMTCTL_EXIT_FAILURE. */
int          cmtctl_fail               (const GError *error);
/* Same for a message of our own. */
int          cmtctl_fail_message       (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Prints a usage error and a pointer to --help; returns CMTCTL_EXIT_USAGE. */
int          cmtctl_usage_error        (const char *command,
                                        const char *format, ...) G_GNUC_PRINTF (2, 3);

/*
 * Parses a subcommand's options. On success *argc and *argv hold the positional
 * arguments after the command name ((*argv)[1] is the first) and TRUE is
 * returned; otherwise an error was printed and *exit_code is set.
 */
gboolean     cmtctl_parse_options      (const CmtctlCommand *command,
                                        const GOptionEntry  *entries,
                                        int                  min_args,
                                        int                  max_args,
                                        int                 *argc,
                                        char              ***argv,
                                        int                 *exit_code);

/*
 * A date from the command line: YYYY-MM-DD (local time: the start of that day,
 * or its last second when @end_of_day), an ISO 8601 date and time, or a Unix
 * timestamp. CMT_ERROR_INVALID_ARGUMENT otherwise.
 */
gboolean     cmtctl_parse_date         (const char  *text,
                                        gboolean     end_of_day,
                                        gint64      *out,
                                        GError     **error);

/* @text without control characters (they become spaces); safe to print. */
char        *cmtctl_sanitize           (const char  *text);

/* An expiry as "status" shows it: the local date in ISO 8601 and the time
 * left or past, "2026-12-23 (21 d)", "2026-12-05 (2 d ago)", "2026-12-08 (5 h)";
 * without a date, the words of cmt_expiry_describe(). */
char        *cmtctl_expiry_cell        (CmtExpiryKind kind,
                                        gint64       expires_at,
                                        gint64       now);

/* @message without its final full stop, to embed it in a sentence of ours. */
char        *cmtctl_clause             (const char  *message);

/* "JCMA" / "CCMA" for a product; the product name otherwise. */
const char  *cmtctl_assistant_name     (const char  *product);
/* "Jira" / "Confluence". */
const char  *cmtctl_product_name       (const char  *product);
/* A status in words, in the user's language. */
const char  *cmtctl_status_label       (const char  *status);

/* The id of an object path: its last element. */
const char  *cmtctl_path_id            (const char  *object_path);

/* Whether @text matches [A-Za-z0-9_]+. */
gboolean     cmtctl_is_object_id       (const char  *text);

G_END_DECLS
