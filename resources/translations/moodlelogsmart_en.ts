<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>BatchSaves</name>
    <message numerus="yes">
        <source>Saved %n result(s) in %1:</source>
        <translation>
            <numerusform>Saved %n result in %1:</numerusform>
            <numerusform>Saved %n results in %1:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) queued.</source>
        <translation>
            <numerusform>%n file queued.</numerusform>
            <numerusform>%n files queued.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) removed from the history.</source>
        <translation>
            <numerusform>%n job removed from the history.</numerusform>
            <numerusform>%n jobs removed from the history.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove %n jobs from the history and delete the results kept?</source>
        <translation>
            <numerusform>Remove %n job from the history and delete the result kept?</numerusform>
            <numerusform>Remove %n jobs from the history and delete the results kept?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of them still has a result that has not expired.</source>
        <translation>
            <numerusform>%n of them still has a result that has not expired.</numerusform>
            <numerusform>%n of them still have a result that has not expired.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) processed</source>
        <translation>
            <numerusform>%n file processed</numerusform>
            <numerusform>%n files processed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultSaver</name>
    <message numerus="yes">
        <source>Choose a folder for the results of these %n file(s)</source>
        <translation>
            <numerusform>Choose a folder for the result of this %n file</numerusform>
            <numerusform>Choose a folder for the results of these %n files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Choose a folder for the %n selected result(s)</source>
        <translation>
            <numerusform>Choose a folder for the %n selected result</numerusform>
            <numerusform>Choose a folder for the %n selected results</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message numerus="yes">
        <source>%n job(s) purged, %1 freed.</source>
        <translation>
            <numerusform>%n job purged, %1 freed.</numerusform>
            <numerusform>%n jobs purged, %1 freed.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) could not be deleted (see the app log).</source>
        <translation>
            <numerusform>%n item could not be deleted (see the app log).</numerusform>
            <numerusform>%n items could not be deleted (see the app log).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing has expired yet; finished results are kept for %n hour(s). Use Remove from history to delete one now.</source>
        <translation>
            <numerusform>Nothing has expired yet; finished results are kept for %n hour. Use Remove from history to delete one now.</numerusform>
            <numerusform>Nothing has expired yet; finished results are kept for %n hours. Use Remove from history to delete one now.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing has expired yet; finished results are kept for %n minute(s). Use Remove from history to delete one now.</source>
        <translation>
            <numerusform>Nothing has expired yet; finished results are kept for %n minute. Use Remove from history to delete one now.</numerusform>
            <numerusform>Nothing has expired yet; finished results are kept for %n minutes. Use Remove from history to delete one now.</numerusform>
        </translation>
    </message>
</context>
</TS>
