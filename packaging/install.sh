#!/bin/sh
# Install MoodleLogSmart for the current user (no administrator rights needed):
#   ~/.local/opt/MoodleLogSmart/                        this folder, copied
#   ~/.local/bin/moodlelogsmart-gui, ~/.local/bin/moodlelogsmart   links to its programs
#   ~/.local/share/applications/moodlelogsmart.desktop  the menu entry (opens .csv/.xlsx/.ods)
#   ~/.local/share/icons/hicolor/{scalable,256x256}/apps/moodlelogsmart.{svg,png}
# (~/.local/share is $XDG_DATA_HOME when that is set.) uninstall.sh removes exactly these.
# Your jobs, job history and settings are not touched by either script.
set -eu

HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
OPT="$HOME/.local/opt"
DEST="$OPT/MoodleLogSmart"
BIN="$HOME/.local/bin"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"

fail() {
    echo "$1" >&2
    exit 1
}

if [ ! -x "$HERE/moodlelogsmart-gui" ] || [ ! -e "$HERE/moodlelogsmart" ]; then
    fail "install.sh must be run from the MoodleLogSmart folder it came in; extract the archive again and run ./MoodleLogSmart/install.sh."
fi
for program in moodlelogsmart-gui moodlelogsmart; do
    link="$BIN/$program"
    if [ -e "$link" ] || [ -L "$link" ]; then
        if [ ! -L "$link" ] || [ "$(readlink "$link")" != "$DEST/$program" ]; then
            fail "$link already exists and is not this MoodleLogSmart's link; move it away (or uninstall the other copy) and run install.sh again."
        fi
    fi
done
if [ -e "$DEST" ] && [ ! -x "$DEST/moodlelogsmart-gui" ]; then
    fail "$DEST exists but is not a MoodleLogSmart installation; move it away and run install.sh again."
fi

# The folder: copied next to the old one, then swapped in (a running copy keeps working).
if [ "$(cd "$DEST" 2>/dev/null && pwd -P)" != "$HERE" ]; then
    mkdir -p "$OPT"
    rm -rf "$DEST.new" "$DEST.old"
    cp -R -P "$HERE" "$DEST.new"
    if [ -e "$DEST" ]; then mv "$DEST" "$DEST.old"; fi
    mv "$DEST.new" "$DEST"
    rm -rf "$DEST.old"
fi

# The programs on the PATH.
mkdir -p "$BIN"
for program in moodlelogsmart-gui moodlelogsmart; do
    ln -sfn "$DEST/$program" "$BIN/$program"
done

# The menu entry and its icons, written by the app itself (moodlelogsmart_gui/desktop_entry.py
# holds the entry's text): Exec is this copy's moodlelogsmart-gui with %F.
if ! "$DEST/moodlelogsmart-gui" --install-desktop-entry >/dev/null; then
    fail "The menu entry could not be written; MoodleLogSmart is installed in $DEST and can be started with moodlelogsmart-gui."
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA/applications" 2>/dev/null || true
fi

echo "MoodleLogSmart is installed in $DEST."
echo "Start it from your applications menu, or with: moodlelogsmart-gui"
case ":$PATH:" in
*":$BIN:"*) ;;
*) echo "Note: $BIN is not on your PATH; add it to use the moodlelogsmart commands in a terminal." ;;
esac
echo "To remove it: $DEST/uninstall.sh"
