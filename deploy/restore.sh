#!/bin/sh
# Restore a dump made by backup.sh into a fresh, empty PostgreSQL database, then bring its
# schema to the code's version (`flask db upgrade`: a dump of an older version is migrated)
# and fill the search index if it came empty.
#
#   sudo -u postgres createdb -O consultation consultation_restauree
#   deploy/restore.sh /var/backups/consultation/consultation-20261203T023000Z.dump \
#       postgresql+psycopg://consultation@/consultation_restauree
#
# Then point DATABASE_URL at it (or rename the databases) and restart the services. It refuses
# a database that already holds tables: a restore never mixes with live data.
set -eu

if [ "$#" -ne 2 ]; then
  echo "Usage : $0 <fichier .dump> <adresse de la base vide>" >&2
  exit 2
fi
dump="$1"
target="$2"
root=$(cd "$(dirname "$0")/.." && pwd)
[ -r "$dump" ] || { echo "Sauvegarde illisible : $dump" >&2; exit 2; }

url=$(printf '%s' "$target" | sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#')
case "$url" in
  postgresql://*) ;;
  *) echo "L'adresse ne désigne pas une base PostgreSQL : $target" >&2; exit 2 ;;
esac

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" --command \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "La base contient déjà $tables table(s) : restaurez dans une base neuve et vide." >&2
  exit 1
fi

pg_restore --no-owner --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "Sauvegarde restaurée ; mise à jour du schéma."
export FLASK_APP=consultation:create_app
export DATABASE_URL="$target"
cd "$root"
"$root/.venv/bin/flask" db upgrade
"$root/.venv/bin/flask" search reindex --if-empty
echo "Restauration terminée : $target"
