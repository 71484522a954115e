/* cmtctl-commands.h: the cmatokenctl commands, one function each */
#pragma once

#include "cmtctl-util.h"

G_BEGIN_DECLS

/* cmtctl-status.c */
int cmtctl_cmd_status          (const CmtctlCommand *command, int argc, char **argv);
/* cmtctl-add.c */
int cmtctl_cmd_add_account     (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_add_server      (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_add_connection  (const CmtctlCommand *command, int argc, char **argv);
/* cmtctl-manage.c */
int cmtctl_cmd_check           (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_replace_secret  (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_remove          (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_label           (const CmtctlCommand *command, int argc, char **argv);
/* cmtctl-renew.c */
int cmtctl_cmd_renew           (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_mark_renewed    (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_auto_renew      (const CmtctlCommand *command, int argc, char **argv);
/* cmtctl-history.c */
int cmtctl_cmd_history         (const CmtctlCommand *command, int argc, char **argv);
int cmtctl_cmd_export          (const CmtctlCommand *command, int argc, char **argv);
/* cmtctl-complete.c: "__complete", for the shell completion; not a listed command */
int cmtctl_complete            (const CmtctlCommand *commands, guint n_commands, int argc, char **argv);
/* cmtctl-open.c */
int cmtctl_cmd_open            (const CmtctlCommand *command, int argc, char **argv);

G_END_DECLS
