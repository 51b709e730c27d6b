# SPDX-License-Identifier: GPL-2.0
#
# srv_sshd_config PORT HOSTKEY PIDFILE USER FILES LOGLEVEL: print an
# sshd_config for a password-only, sftp-only OpenSSH on 127.0.0.1:PORT
# that lands USER in FILES (internal-sftp -d). Sourced by sshd.sh (the
# upload tests' server) and by the adversarial suite's impostor server.
srv_sshd_config() {
	cat <<CONF
ListenAddress 127.0.0.1:$1
HostKey $2
PidFile $3
UsePAM no
StrictModes no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
AllowUsers $4
Subsystem sftp internal-sftp -d $5
ForceCommand internal-sftp -d $5
LogLevel $6
CONF
}
