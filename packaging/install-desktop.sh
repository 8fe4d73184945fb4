#!/bin/sh
# Adds Postdesk to the applications menu of the current user (Linux, freedesktop.org
# desktop entry): run it from the unpacked Postdesk/ folder, which it points the entry at.
#     ./install-desktop.sh              install, or update after moving the folder
#     ./install-desktop.sh --uninstall  remove the entry and the icons
# It writes only under ${XDG_DATA_HOME:-~/.local/share}: applications/postdesk.desktop and
# icons/hicolor/NxN/apps/postdesk.png. `make install-desktop` runs it for dist/Postdesk/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/postdesk.desktop"
sizes="16 24 32 48 64 128 256 512"

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$data/applications" 2>/dev/null || true
    # Only a cache that is already there: a new one in the user's folder would go stale.
    if [ -f "$data/icons/hicolor/icon-theme.cache" ] \
        && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q "$data/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$entry"
    for size in $sizes; do rm -f "$data/icons/hicolor/${size}x${size}/apps/postdesk.png"; done
    refresh
    echo "Removed $entry and the Postdesk icons."
    exit 0
fi

executable="$here/Postdesk"
resources="$here/_internal/resources"
if [ ! -x "$executable" ] || [ ! -f "$resources/postdesk.desktop" ]; then
    echo "install-desktop.sh: run it from the Postdesk folder (no $executable here)" >&2
    exit 1
fi

# The desktop entry's Exec value: quoted, with \ " ` $ escaped, then backslashes doubled
# (the string escape is undone first), and % written as %%.
quoted=$(printf '%s' "$executable" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
plain=$(printf '%s' "$executable" | sed -e 's/\\/\\\\/g')

mkdir -p "$data/applications"
for size in $sizes; do
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$resources/icons/postdesk-$size.png" "$data/icons/hicolor/${size}x${size}/apps/postdesk.png"
done
tmp="$entry.tmp.$$"
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        Exec=*) printf 'Exec="%s"\n' "$quoted" ;;
        TryExec=*) printf 'TryExec=%s\n' "$plain" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$resources/postdesk.desktop" > "$tmp"
mv "$tmp" "$entry"
refresh
echo "Installed $entry (starts $executable) and icons under $data/icons/hicolor."
