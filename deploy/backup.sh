#!/bin/sh
# A backup of the PostgreSQL database: `pg_dump -Fc` (compressed, restored with restore.sh),
# written to BACKUP_DIR under a dated name, keeping the BACKUP_KEEP newest.
#
#   deploy/backup.sh                  the database of DATABASE_URL (from /etc/consultation/env
#                                     under systemd: consultation-backup.service, daily)
#   BACKUP_DIR=/mnt/nas BACKUP_KEEP=30 deploy/backup.sh
#
# A dump being written is named .partial: a failed or interrupted run never leaves a file that
# looks like a backup, and never removes an older one.
set -eu

: "${DATABASE_URL:?DATABASE_URL est requis (l'adresse de la base PostgreSQL).}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/consultation}"
BACKUP_KEEP="${BACKUP_KEEP:-14}"
case "$BACKUP_KEEP" in
  ''|*[!0-9]*|0) echo "BACKUP_KEEP doit être un nombre entier positif." >&2; exit 2 ;;
esac

# libpq reads postgresql://...; the app's URLs name the driver (postgresql+psycopg://...).
url=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#')
case "$url" in
  postgresql://*) ;;
  *) echo "DATABASE_URL ne désigne pas une base PostgreSQL : rien à sauvegarder ainsi." >&2; exit 2 ;;
esac

mkdir -p "$BACKUP_DIR"
name="consultation-$(date -u +%Y%m%dT%H%M%SZ).dump"
umask 077
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/$name.partial" --dbname="$url"
mv "$BACKUP_DIR/$name.partial" "$BACKUP_DIR/$name"
echo "Sauvegarde écrite : $BACKUP_DIR/$name"

# Rotation: the names sort by date; keep the BACKUP_KEEP newest complete dumps.
ls -1 "$BACKUP_DIR" | grep -E '^consultation-[0-9]{8}T[0-9]{6}Z\.dump$' | sort -r \
  | tail -n +"$((BACKUP_KEEP + 1))" | while read -r old; do
    rm -f -- "$BACKUP_DIR/$old"
    echo "Ancienne sauvegarde supprimée : $old"
  done
