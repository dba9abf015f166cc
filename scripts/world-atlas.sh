#!/usr/bin/env bash
# Regenerates the page's offline base map, crates/serve/static/world-110m.json, from the npm
# package world-atlas (Mike Bostock; ISC licence; the shapes are Natural Earth's 1:110m
# countries, public domain), with its licence beside it in world-110m.NOTICE.md. The file is
# served by `marsad serve` at /world-110m.json: no tile server, nothing fetched at run time.
# Needs npm (the registry) and tar; checks the package's SHA-256 so the map cannot change
# without this script changing.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.0.2
SHA256=032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "world-atlas@$VERSION" >/dev/null)
echo "$SHA256  $tmp/world-atlas-$VERSION.tgz" | sha256sum -c --quiet
tar -xzf "$tmp/world-atlas-$VERSION.tgz" -C "$tmp"
cp "$tmp/package/countries-110m.json" crates/serve/static/world-110m.json
{
  echo "# crates/serve/static/world-110m.json"
  echo
  echo "\`countries-110m.json\` of the npm package [world-atlas](https://www.npmjs.com/package/world-atlas)"
  echo "$VERSION (TopoJSON; the shapes are [Natural Earth](https://www.naturalearthdata.com/)'s 1:110m"
  echo "Admin 0 countries, which are in the public domain), unchanged. Regenerate with"
  echo "\`scripts/world-atlas.sh\`. The package's licence:"
  echo
  sed 's/^/    /' "$tmp/package/LICENSE"
} > crates/serve/static/world-110m.NOTICE.md
echo "wrote crates/serve/static/world-110m.json ($(wc -c < crates/serve/static/world-110m.json) bytes) and its notice"
