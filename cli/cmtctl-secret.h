/* cmtctl-secret.h: reads a secret from standard input or a prompt that does not echo */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest secret accepted, in bytes; API tokens and PATs are far shorter. */
#define CMTCTL_SECRET_MAX_LENGTH 8192

typedef char CmtctlSecret;

/*
 * One line from standard input, without its line ending. When standard input
 * is a terminal, @prompt is shown on stderr and what is typed is not echoed.
 * Never from argv or the environment. Free with cmtctl_secret_free(), which
 * wipes it.
 */
CmtctlSecret *cmtctl_secret_read  (const char    *prompt,
                                   GError       **error);
void          cmtctl_secret_free  (CmtctlSecret  *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CmtctlSecret, cmtctl_secret_free)

G_END_DECLS
