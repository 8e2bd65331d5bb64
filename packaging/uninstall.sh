#!/bin/sh
# Remove what install.sh put in place, and nothing else:
#   ~/.local/opt/MoodleLogSmart/, the two links in ~/.local/bin (only if they point there),
#   ~/.local/share/applications/moodlelogsmart.desktop and the two moodlelogsmart icons
#   (only if they are MoodleLogSmart's). Your jobs, job history and settings stay; the app's
#   "Purge" (or deleting its data folder) removes those.
set -eu

OPT="$HOME/.local/opt"
DEST="$OPT/MoodleLogSmart"
BIN="$HOME/.local/bin"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/moodlelogsmart.desktop"
ICONS="$DATA/icons/hicolor"
RES="$DEST/_internal/moodlelogsmart_gui/resources/icons"

removed=0
for program in moodlelogsmart-gui moodlelogsmart; do
    link="$BIN/$program"
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$DEST/$program" ]; then
        rm -f "$link"
        removed=$((removed + 1))
    fi
done
if [ -f "$ENTRY" ] && grep -q '^Name=MoodleLogSmart$' "$ENTRY"; then
    rm -f "$ENTRY"
    removed=$((removed + 1))
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA/applications" 2>/dev/null || true
    fi
fi
for icon in scalable/apps/moodlelogsmart.svg 256x256/apps/moodlelogsmart.png; do
    ours="$RES/$(basename "$icon")"
    if [ -f "$ICONS/$icon" ] && [ -f "$ours" ] && cmp -s "$ICONS/$icon" "$ours"; then
        rm -f "$ICONS/$icon"
        removed=$((removed + 1))
    fi
done
if [ -d "$DEST" ] && [ ! -L "$DEST" ] && [ -x "$DEST/moodlelogsmart-gui" ]; then
    rm -rf "$DEST"
    removed=$((removed + 1))
fi

if [ "$removed" -eq 0 ]; then
    echo "MoodleLogSmart is not installed in $DEST; nothing was removed."
else
    echo "MoodleLogSmart was removed from $DEST, your menu and $BIN."
    echo "Your jobs, history and settings were kept; delete the app's data folder to remove them."
fi
