"""The job table view and the delegate that draws a progress bar for running jobs."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QPainter, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from moodlelogsmart_gui.gui import formatting as fmt
from moodlelogsmart_gui.gui.job_model import PROGRESS_ROLE, Column

Index = QModelIndex | QPersistentModelIndex
BAR_WIDTH = 40
FILE_MIN = 120  # the File column never gets narrower than this
FILE_MAX = 480  # a very long name may be cut (in the middle) beyond this; the pane shows it


class ProgressDelegate(QStyledItemDelegate):
    """Running rows show a bar with the stage ('Classifying… 55%'); others the usual cell."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        percent = index.data(PROGRESS_ROLE)
        if percent is None:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        base = QStyleOptionViewItem(option)
        self.initStyleOption(base, index)
        base.text = ""
        base.icon = base.icon.__class__()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, base, painter, widget)
        rect: QRect = option.rect
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(rect.left() + 6, rect.center().y() - 6, BAR_WIDTH, 12)
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = max(0, min(100, int(percent)))
        bar.textVisible = False
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_rect = rect.adjusted(BAR_WIDTH + 14, 0, -4, 0)
        text = option.fontMetrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideRight,
            text_rect.width(),
        )
        style.drawItemText(
            painter,
            text_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            option.palette,
            True,
            text,
            role,
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 170), hint.height())


class JobTableView(QTableView):
    """Whole-row selection, a context menu request, Delete and Enter as job keys."""

    context_menu_requested = Signal(object)  # global QPoint
    activated_job = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        self.setItemDelegateForColumn(Column.STATE, ProgressDelegate(self))
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._on_section_resized)
        self.doubleClicked.connect(lambda _index: self.activated_job.emit())
        self._file_need = FILE_MIN

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is None:
            return
        model.rowsInserted.connect(self._on_rows_inserted)
        model.rowsRemoved.connect(lambda *_: self._measure_names())
        model.modelReset.connect(self._measure_names)
        model.layoutChanged.connect(self.fit_file_column)
        self._measure_names()

    # -- the File column: the one a person reads ----------------------------------------------
    def _name_width(self, row: int) -> int:
        text = str(self.model().index(row, Column.FILE).data() or "")
        return self.fontMetrics().horizontalAdvance(text) + 16  # the cell's margins

    def _on_rows_inserted(self, _parent: Index, first: int, last: int) -> None:
        widest = max((self._name_width(row) for row in range(first, last + 1)), default=0)
        self._file_need = max(self._file_need, min(FILE_MAX, widest))
        self.fit_file_column()

    def _measure_names(self) -> None:
        widest = max((self._name_width(row) for row in range(self.model().rowCount())), default=0)
        self._file_need = max(FILE_MIN, min(FILE_MAX, widest))
        self.fit_file_column()

    def file_width_needed(self) -> int:
        """What the longest file name in the table needs (at most FILE_MAX)."""
        return self._file_need

    def fit_file_column(self) -> None:
        """The File column takes what the other columns leave, and never less than its
        longest name needs: when the table is too narrow for all of it, the table scrolls
        sideways instead of cutting the names (the column a person reads)."""
        if self.model() is None:
            return
        others = sum(
            self.columnWidth(column)
            for column in Column
            if column != Column.FILE and not self.isColumnHidden(column)
        )
        left = self.viewport().width() - others
        width = max(self._file_need, left)
        if self.columnWidth(Column.FILE) != width:
            self.setColumnWidth(Column.FILE, width)

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != Column.FILE:
            self.fit_file_column()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_file_column()

    def content_widths(self) -> dict[Column, int]:
        """The width each column needs (in this language): the state and count columns fit
        their widest value (every stage with 100%, every state with its reason, counts up to
        9 999 999); the others keep widths that leave the File column room."""
        cell = self.fontMetrics()
        header = self.horizontalHeader()
        pad = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self)
        pad += 12  # the cell's margins
        count = cell.horizontalAdvance(fmt.count_text(9_999_999))
        stages = max(
            cell.horizontalAdvance(f"{fmt.stage_text(stage)} 100%") for stage in fmt.STAGE_LABELS
        )
        states = max(
            cell.horizontalAdvance(f"{fmt.state_text(state)}: {fmt.reason_text(reason)}")
            for state in ("failed", "cancelled")
            for reason in fmt.REASON_LABELS
            if reason != "cancelled"
        )
        icon = self.iconSize().width() if self.iconSize().isValid() else 16
        minimum = {
            Column.FILE: 180,
            Column.STATE: max(stages + BAR_WIDTH + 18, states + icon + 8),
            Column.EVENTS_IN: count + pad,
            Column.KEPT: count + pad,
            # the File column needs the room more than rare long values of these:
            Column.STARTED: 84,
            Column.DURATION: 68,
            Column.EXPIRES: max(
                100,
                cell.horizontalAdvance(
                    QCoreApplication.translate("JobTableModel", "log %1").replace(
                        "%1", fmt.until_text(59 * 60, 0)
                    )
                )
                + pad,
            ),
        }
        for column in minimum:
            title = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
            needed = header.fontMetrics().horizontalAdvance(title) + 20  # and the sort arrow
            minimum[column] = max(minimum[column], needed)
        return minimum

    def apply_default_widths(self) -> None:
        """Columns as wide as their widest value; the File column takes what is left."""
        header = self.horizontalHeader()
        header.setMinimumSectionSize(48)
        for column, width in self.content_widths().items():
            if column != Column.FILE:
                self.setColumnWidth(column, width)
        self.fit_file_column()

    def fit_restored_widths(self) -> None:
        """After restoring a saved header: never narrower than the values (an older version
        saved widths that cut '1 481 811' to '1 4…811')."""
        for column, width in self.content_widths().items():
            if column != Column.FILE and self.columnWidth(column) < width:
                self.setColumnWidth(column, width)
        # an older version saved the File column as 'Stretch', which squeezed the names
        self.horizontalHeader().setSectionResizeMode(
            Column.FILE, QHeaderView.ResizeMode.Interactive
        )
        self.fit_file_column()

    def set_drop_target(self, on: bool) -> None:
        """A highlighted frame while files are dragged over the window."""
        if bool(self.property("dropTarget")) == on:
            return
        self.setProperty("dropTarget", on)
        self.setStyleSheet(
            "QTableView#jobTable { border: 2px solid palette(highlight); }" if on else ""
        )

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isRowSelected(index.row()):
            self.selectRow(index.row())
        self.context_menu_requested.emit(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_job.emit()
            return
        super().keyPressEvent(event)
