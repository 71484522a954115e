/* cmtctl-secret.c: reads a secret from standard input or a prompt that does not echo */
#include <errno.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmt-error.h"
#include "cmtctl-secret.h"

/* Echo is off while the prompt waits: a signal must not leave the terminal so. */
static struct termios saved_termios;
static volatile sig_atomic_t echo_disabled;

static void
restore_echo_and_reraise (int signum)
{
  if (echo_disabled)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

static const int restoring_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static gboolean
disable_echo (struct sigaction *old_actions)
{
  struct termios noecho;
  struct sigaction action = { 0 };

  if (tcgetattr (STDIN_FILENO, &saved_termios) != 0)
    return FALSE;

  action.sa_handler = restore_echo_and_reraise;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (restoring_signals); i++)
    sigaction (restoring_signals[i], &action, &old_actions[i]);

  noecho = saved_termios;
  noecho.c_lflag &= ~(tcflag_t) ECHO;
  noecho.c_lflag |= ICANON;
  echo_disabled = 1;
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &noecho) != 0)
    {
      echo_disabled = 0;
      for (guint i = 0; i < G_N_ELEMENTS (restoring_signals); i++)
        sigaction (restoring_signals[i], &old_actions[i], NULL);
      return FALSE;
    }
  return TRUE;
}

static void
restore_echo (const struct sigaction *old_actions)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  echo_disabled = 0;
  for (guint i = 0; i < G_N_ELEMENTS (restoring_signals); i++)
    sigaction (restoring_signals[i], &old_actions[i], NULL);
}

void
cmtctl_secret_free (CmtctlSecret *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, CMTCTL_SECRET_MAX_LENGTH + 1);
  g_free (secret);
}

CmtctlSecret *
cmtctl_secret_read (const char  *prompt,
                    GError     **error)
{
  /* One fixed buffer, so that no grown-and-abandoned copy is left behind;
   * read() byte by byte, so that no stdio buffer holds the secret either. */
  g_autoptr(CmtctlSecret) buffer = g_malloc0 (CMTCTL_SECRET_MAX_LENGTH + 1);
  struct sigaction old_actions[G_N_ELEMENTS (restoring_signals)];
  gboolean tty = isatty (STDIN_FILENO);
  gboolean echo_off = FALSE;
  gboolean too_long = FALSE;
  gboolean has_nul = FALSE;
  gsize len = 0;

  if (tty)
    {
      /* Echo goes off before the prompt shows, so nothing typed after it is echoed. */
      echo_off = disable_echo (old_actions);
      fputs (prompt, stderr);
      fflush (stderr);
    }

  for (;;)
    {
      char c;
      ssize_t n = read (STDIN_FILENO, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || c == '\n')
        break;
      if (c == '\0')
        has_nul = TRUE;
      if (len < CMTCTL_SECRET_MAX_LENGTH)
        buffer[len++] = c;
      else
        too_long = TRUE;
    }

  if (echo_off)
    restore_echo (old_actions);
  if (tty)
    fputs ("\n", stderr);

  if (len > 0 && buffer[len - 1] == '\r')
    buffer[--len] = '\0';

  if (too_long)
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                   _("The secret is longer than %d bytes. Check that standard input holds only the secret, on one line."),
                   CMTCTL_SECRET_MAX_LENGTH);
      return NULL;
    }
  if (has_nul || !g_utf8_validate (buffer, len, NULL))
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("The secret is not valid text. Check that standard input holds only the secret, on one line."));
      return NULL;
    }
  if (len == 0)
    {
      g_set_error_literal (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT,
                           _("No secret was given. Type it at the prompt, or give it on standard input as one line."));
      return NULL;
    }
  return g_steal_pointer (&buffer);
}
