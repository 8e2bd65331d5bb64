"""The settings panel, built from SETTING_SPECS: every field with unit, range and help."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.gui.memory_note import MemoryNote
from moodlelogsmart_gui.gui.output_choice import OutputChoice
from moodlelogsmart_gui.gui.purge_words import purge_text
from moodlelogsmart_gui.gui.scroll_body import WheelScrollsBody, fix_to_screen, scrolling_body
from moodlelogsmart_gui.gui.wrapped_label import WrappedLabel
from moodlelogsmart_gui.jobs.retention import tree_size
from moodlelogsmart_gui.settings import SETTING_SPECS, Settings, SettingsError, SettingSpec

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner
    from moodlelogsmart_gui.jobs.queue import JobQueue
    from moodlelogsmart_gui.paths import AppPaths
    from moodlelogsmart_gui.settings_file import SettingsStore

log = logging.getLogger(__name__)
ERROR_STYLE = "color: #c5221f;"
LABEL_WIDTH = 210
HELP_WIDTH = 418


def spec_text(text: str) -> str:
    """Labels, units and help of SETTING_SPECS are translated under one context."""
    return QCoreApplication.translate("SettingSpec", text) if text else ""


class ReservedLine(QLabel):
    """One line of text that always takes its place, shown or not; a longer text is cut
    with '…' and given whole in the tooltip (so a message never moves what is below)."""

    def __init__(self, parent: QWidget | None = None, lines: int = 1) -> None:
        super().__init__(parent)
        self._full = ""
        self._lines = lines  # more than one: the text wraps within them instead of being cut
        self.setWordWrap(lines > 1)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._fit()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        super().setText(shown if room > 0 and self._lines == 1 else self._full)


class SettingField(QWidget):
    """One setting: its editor, unit, help text and the error line under it."""

    changed = Signal()

    def __init__(self, spec: SettingSpec, value: Any, locked: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"field_{spec.key}")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(2)
        row = QHBoxLayout()
        self.label = QLabel("" if spec.kind is bool else spec_text(spec.label))
        self.label.setFixedWidth(LABEL_WIDTH)
        row.addWidget(self.label)
        self.editor = self._make_editor(spec, value)
        self.label.setBuddy(self.editor)
        wide = spec.kind is str and not spec.choices
        row.addWidget(self.editor, 1 if wide else 0)
        if spec.unit and spec.kind is not bool:
            row.addWidget(QLabel(spec_text(spec.unit)))
        if spec.key == "rules_file":
            self.browse = QPushButton(self.tr("Choose…"))
            self.browse.clicked.connect(self._choose_file)
            self.browse.setEnabled(not locked)
            row.addWidget(self.browse)
        row.addStretch(0 if wide else 1)
        column.addLayout(row)
        help_text = spec_text(spec.help)
        if spec.minimum is not None and spec.maximum is not None:
            low, high = spec.minimum / spec.display_scale, spec.maximum / spec.display_scale
            allowed = self.tr("Allowed: %1 to %2 %3.")
            allowed = allowed.replace("%1", f"{low:g}").replace("%2", f"{high:g}")
            help_text += " " + allowed.replace("%3", spec_text(spec.unit))
        # The help and the error share one place (the error shows instead of the help while
        # the value is wrong), at least two lines high: typing never moves what is below.
        self.help = WrappedLabel(help_text)
        self.help.setStyleSheet("color: palette(dark);")
        # A known width gives the help its height before the dialog is shown, so the
        # dialog opens at its final size instead of growing once laid out.
        self.help.setFixedWidth(HELP_WIDTH)
        self.help.setMinimumHeight(self.help.heightForWidth(HELP_WIDTH))
        self.error = QLabel()
        self.error.setObjectName(f"error_{spec.key}")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.error.hide()
        keep = self.help.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.help.setSizePolicy(keep)
        place = QGridLayout()
        place.setContentsMargins(LABEL_WIDTH + 6, 0, 0, 0)
        place.addWidget(self.help, 0, 0)
        place.addWidget(self.error, 0, 0)
        place.setRowMinimumHeight(0, 2 * self.fontMetrics().lineSpacing() + 2)
        column.addLayout(place)
        self.locked = locked
        if locked:
            self.editor.setEnabled(False)
            note = QLabel(self.tr("Set by your administrator (%1)").replace("%1", spec.env))
            note.setObjectName(f"locked_{spec.key}")
            note.setStyleSheet("font-style: italic;")
            note.setContentsMargins(LABEL_WIDTH + 6, 0, 0, 0)
            column.addWidget(note)

    def _make_editor(self, spec: SettingSpec, value: Any) -> QWidget:
        if spec.kind is bool:
            box = QCheckBox(spec_text(spec.label))
            box.setChecked(bool(value))
            box.toggled.connect(self.changed)
            return box
        if spec.choices:
            combo = QComboBox()
            for stored, label in spec.choices:
                combo.addItem(spec_text(label), stored)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self.changed)
            return combo
        if spec.subset_of:
            choice = OutputChoice(spec.subset_of, str(value or ""))
            choice.changed.connect(self.changed)
            return choice
        if spec.kind is str:
            line = QLineEdit(str(value or ""))
            line.setPlaceholderText(self.tr("Built-in rules"))
            line.textChanged.connect(self.changed)
            return line
        scale = spec.display_scale
        upper = (spec.maximum or 1e9) / scale * 10
        if spec.kind is int and scale == 1:
            spin: QSpinBox | QDoubleSpinBox = QSpinBox()
            spin.setRange(0, int(upper))
            spin.setValue(int(value))
        else:
            spin = QDoubleSpinBox()
            # whole minutes show as whole numbers; hours keep two decimals (0.5 h, 0.01 h)
            whole = (
                spec.kind is int and float(value) % scale == 0 and (spec.minimum or 0) % scale == 0
            )
            spin.setDecimals(0 if whole else 2)
            spin.setRange(0.0, upper)
            spin.setValue(float(value) / scale)
        spin.setKeyboardTracking(True)
        spin.setMinimumWidth(110)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.valueChanged.connect(self.changed)
        return spin

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a rules file"), "", self.tr("TOML rules (*.toml);;All files (*)")
        )
        if path and isinstance(self.editor, QLineEdit):
            self.editor.setText(path)

    def raw_value(self) -> Any:
        """The editor's value in the stored unit (seconds, hours, …)."""
        editor = self.editor
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QLineEdit | OutputChoice):
            return editor.text()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QSpinBox):
            return editor.value()
        assert isinstance(editor, QDoubleSpinBox)
        value = editor.value() * self.spec.display_scale
        return round(value) if self.spec.kind is int else value

    def validate(self) -> tuple[Any, str | None]:
        """The parsed value, or None and the sentence shown under the field."""
        try:
            value = self.spec.parse(self.raw_value())
        except SettingsError as err:
            sentence = str(err)
            label = self.spec.label + " "
            # beside its field the setting's name need not be repeated
            shown = sentence[len(label) :] if sentence.startswith(label) else sentence
            self.error.setText(shown[:1].upper() + shown[1:])
            self.error.setToolTip(sentence)
            self.help.hide()
            self.error.show()
            return None, sentence
        self.error.hide()
        self.help.show()
        return value, None


class SettingsDialog(QDialog):
    """Edits the settings; Save applies them to the queue at once and writes the INI."""

    settings_saved = Signal(object)

    def __init__(
        self,
        settings: Settings,
        admin_locked: frozenset[str],
        store: SettingsStore,
        queue: JobQueue,
        paths: AppPaths,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(680)
        self._settings = settings
        self._locked = admin_locked
        self._store = store
        self._queue = queue
        self._paths = paths
        self._runner = runner
        layout = QVBoxLayout(self)
        # the settings scroll; the buttons and their message stay in sight on a small screen
        self.settings_scroll, content, inner = scrolling_body(self)
        self.settings_scroll.setObjectName("settingsScroll")
        group = QGroupBox(self.tr("Jobs and results"))
        form = QVBoxLayout(group)
        self.fields: dict[str, SettingField] = {}
        current = settings.as_dict()
        for spec in SETTING_SPECS:
            field = SettingField(spec, current[spec.key], spec.key in admin_locked)
            field.changed.connect(self._revalidate)
            self.fields[spec.key] = field
            form.addWidget(field)
        self.memory_warning = MemoryNote()
        form.addWidget(self.memory_warning)
        inner.addWidget(group)
        inner.addWidget(self._data_group())
        inner.addStretch(1)
        self.settings_scroll.setWidget(content)
        layout.addWidget(self.settings_scroll, 1)
        self.save_error = ReservedLine()  # beside the buttons: no line of its own
        self.save_error.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_error, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        queue.purge_finished.connect(self._on_purged)
        self._revalidate()
        self._refresh_size()
        fix_to_screen(self, self.settings_scroll, content)
        WheelScrollsBody(self.settings_scroll).watch(content)

    @property
    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _data_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Data folder"))
        column = QVBoxLayout(group)
        where = QLabel(str(self._paths.data))
        where.setObjectName("dataFolder")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        column.addWidget(where)
        self.size_label = QLabel(self.tr("Measuring…"))
        self.size_label.setObjectName("dataSize")
        column.addWidget(self.size_label)
        row = QHBoxLayout()
        self.purge_button = QPushButton(self.tr("Purge now"))
        self.purge_button.setToolTip(
            self.tr("Delete every result and job file that is past its keeping time.")
        )
        self.purge_button.clicked.connect(self._purge)
        open_button = QPushButton(self.tr("Open folder"))
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._paths.data)))
        )
        row.addWidget(self.purge_button)
        row.addWidget(open_button)
        row.addStretch(1)
        column.addLayout(row)
        self.purge_result = ReservedLine(lines=2)  # room for why nothing was purged
        self.purge_result.setObjectName("purgeResult")
        column.addWidget(self.purge_result)
        return group

    def _revalidate(self) -> bool:
        ok = True
        for field in self.fields.values():
            if field.locked:
                continue
            _, error = field.validate()
            ok = ok and error is None
        self.save_button.setEnabled(ok)
        self.memory_warning.refresh(self.fields)
        return ok

    def edited_settings(self) -> Settings:
        """The settings as edited; locked keys keep the administrator's value."""
        changes = {key: field.raw_value() for key, field in self.fields.items() if not field.locked}
        return self._settings.replace(**changes)

    def _save(self) -> None:
        if not self._revalidate():
            return
        try:
            new = self.edited_settings()
        except SettingsError as err:
            self.save_error.setText(str(err))
            return
        self._queue.apply_settings(new)
        try:
            self._store.save(new, self._locked)
        except OSError as err:
            log.warning("settings not saved: %s", err)
            self.save_error.setText(
                self.tr("The settings apply now but could not be saved for next time: %1").replace(
                    "%1", str(err)
                )
            )
            self.settings_saved.emit(new)
            return
        self._settings = new
        self.settings_saved.emit(new)
        self.accept()

    def _purge(self) -> None:
        self.purge_button.setEnabled(False)
        self.purge_result.setText(self.tr("Cleaning up…"))
        self._queue.purge_now()

    def _on_purged(self, report: Any) -> None:
        self.purge_button.setEnabled(True)
        self.purge_result.setText(purge_text(report, self._settings.ttl_completed_hours))
        self._refresh_size()

    def _refresh_size(self) -> None:
        jobs_dir = self._paths.data

        def done(size: Any, error: BaseException | None) -> None:
            if error is not None:
                text = self.tr("Could not measure the folder.")
            else:
                text = self.tr("It holds %1.").replace("%1", fmt.size_text(int(size)))
            with contextlib.suppress(RuntimeError):  # the dialog may be gone already
                self.size_label.setText(text)

        self._runner.run(lambda: tree_size(jobs_dir), done)
