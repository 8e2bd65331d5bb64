<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt_BR" sourcelanguage="en">
<context>
    <name>App</name>
    <message>
        <source>The app's data folder cannot be created.</source>
        <translation>Não foi possível criar a pasta de dados do aplicativo.</translation>
    </message>
    <message>
        <source>The job history cannot be opened.</source>
        <translation>Não foi possível abrir o histórico de tarefas.</translation>
    </message>
    <message>
        <source>Some settings could not be used; the defaults apply instead:</source>
        <translation>Algumas configurações não puderam ser usadas; os valores padrão foram aplicados:</translation>
    </message>
    <message>
        <source>MoodleLogSmart is busy</source>
        <translation>O MoodleLogSmart está ocupado</translation>
    </message>
    <message>
        <source>Another MoodleLogSmart program (probably the command line) is working in the data folder %1; open the window again when it has finished.</source>
        <translation>Outro programa do MoodleLogSmart (provavelmente a linha de comando) está trabalhando na pasta de dados %1; abra a janela novamente quando ele terminar.</translation>
    </message>
</context>
<context>
    <name>BatchSaves</name>
    <message>
        <source>The results stay in the list: select them and use Save result… to save them in a folder.</source>
        <translation>Os resultados continuam na lista: selecione-os e use Salvar resultado… para salvá-los em uma pasta.</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n result(s) in %1:</source>
        <translation>
            <numerusform>%n resultado salvo em %1:</numerusform>
            <numerusform>%n resultados salvos em %1:</numerusform>
        </translation>
    </message>
    <message>
        <source>… and %1 more.</source>
        <translation>… e mais %1.</translation>
    </message>
    <message>
        <source>Not saved (%1):</source>
        <translation>Não salvos (%1):</translation>
    </message>
</context>
<context>
    <name>DetailsPane</name>
    <message>
        <source>Select a job to see what was found in its file.</source>
        <translation>Selecione uma tarefa para ver o que foi encontrado no arquivo.</translation>
    </message>
    <message>
        <source>The result was deleted after the time set in Settings; run the file again to get it back.</source>
        <translation>O resultado foi apagado após o prazo definido nas Configurações; processe o arquivo novamente para obtê-lo.</translation>
    </message>
    <message>
        <source>No summary was recorded for this job.</source>
        <translation>Nenhum resumo foi registrado para esta tarefa.</translation>
    </message>
    <message>
        <source>Waiting for a free slot.</source>
        <translation>Aguardando uma vaga livre.</translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 em %2</translation>
    </message>
    <message>
        <source>result deleted</source>
        <translation>resultado apagado</translation>
    </message>
    <message>
        <source>result kept until %1</source>
        <translation>resultado guardado até %1</translation>
    </message>
    <message>
        <source>Save result…</source>
        <translation>Salvar resultado…</translation>
    </message>
    <message>
        <source>Show log</source>
        <translation>Ver registro</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>Eventos</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lidos</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>Mantidos</translation>
    </message>
    <message>
        <source>Set aside: %1</source>
        <translation>Descartados: %1</translation>
    </message>
    <message>
        <source>Cases (people)</source>
        <translation>Casos (pessoas)</translation>
    </message>
    <message>
        <source>Names</source>
        <translation>Nomes</translation>
    </message>
    <message>
        <source>pseudonymised</source>
        <translation>pseudonimizados</translation>
    </message>
    <message>
        <source>Events per Bloom level</source>
        <translation>Eventos por nível de Bloom</translation>
    </message>
    <message>
        <source>No events.</source>
        <translation>Nenhum evento.</translation>
    </message>
    <message>
        <source>Events per activity type</source>
        <translation>Eventos por tipo de atividade</translation>
    </message>
    <message>
        <source>other</source>
        <translation>outros</translation>
    </message>
    <message>
        <source>What was detected</source>
        <translation>O que foi detectado</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>Formato</translation>
    </message>
    <message>
        <source>Encoding</source>
        <translation>Codificação</translation>
    </message>
    <message>
        <source>Delimiter</source>
        <translation>Delimitador</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Date format</source>
        <translation>Formato de data</translation>
    </message>
    <message>
        <source>ambiguous, a guess (check the warnings)</source>
        <translation>ambígua, uma suposição (veja os avisos)</translation>
    </message>
    <message>
        <source>Day/month order</source>
        <translation>Ordem dia/mês</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Fuso horário</translation>
    </message>
    <message>
        <source>comma (,)</source>
        <translation>vírgula (,)</translation>
    </message>
    <message>
        <source>semicolon (;)</source>
        <translation>ponto e vírgula (;)</translation>
    </message>
    <message>
        <source>tab</source>
        <translation>tabulação</translation>
    </message>
    <message>
        <source>vertical bar (|)</source>
        <translation>barra vertical (|)</translation>
    </message>
    <message>
        <source>Moodle log report</source>
        <translation>Relatório de logs do Moodle</translation>
    </message>
    <message>
        <source>Site-wide log report</source>
        <translation>Relatório de logs de todo o site</translation>
    </message>
    <message>
        <source>Standard log store (database table)</source>
        <translation>Armazenamento padrão de logs (tabela do banco de dados)</translation>
    </message>
    <message>
        <source>Log report saved as a spreadsheet</source>
        <translation>Relatório de logs salvo como planilha</translation>
    </message>
    <message>
        <source>day before month</source>
        <translation>dia antes do mês</translation>
    </message>
    <message>
        <source>month before day</source>
        <translation>mês antes do dia</translation>
    </message>
    <message>
        <source>Unix time</source>
        <translation>tempo Unix</translation>
    </message>
    <message>
        <source>date could not be read</source>
        <translation>data ilegível</translation>
    </message>
    <message>
        <source>duplicates</source>
        <translation>duplicados</translation>
    </message>
    <message>
        <source>'logged in as' events</source>
        <translation>eventos "acessou como"</translation>
    </message>
    <message>
        <source>teachers' and staff activity</source>
        <translation>atividade de professores e equipe</translation>
    </message>
    <message>
        <source>not from the web (cli, restore…)</source>
        <translation>fora da web (cli, restauração…)</translation>
    </message>
    <message>
        <source>no user</source>
        <translation>sem usuário</translation>
    </message>
    <message>
        <source>%1 of %2 kept events were classified by a Bloom rule.</source>
        <translation>%1 de %2 eventos mantidos foram classificados por uma regra de Bloom.</translation>
    </message>
    <message>
        <source>Events per activity category</source>
        <translation>Eventos por categoria de atividade</translation>
    </message>
    <message>
        <source>log deleted</source>
        <translation>registro apagado</translation>
    </message>
    <message>
        <source>no result; its log is kept until %1</source>
        <translation>sem resultado; o registro fica guardado até %1</translation>
    </message>
    <message>
        <source>Process map</source>
        <translation>Mapa do processo</translation>
    </message>
    <message>
        <source>started %1</source>
        <translation>iniciada às %1</translation>
    </message>
    <message>
        <source>added %1</source>
        <translation>adicionada às %1</translation>
    </message>
    <message>
        <source>Attempt %1 of this file (a retry) · </source>
        <translation>Tentativa %1 deste arquivo (nova execução) · </translation>
    </message>
</context>
<context>
    <name>DetectedWords</name>
    <message>
        <source>Layout</source>
        <translation>Formato</translation>
    </message>
    <message>
        <source>Encoding</source>
        <translation>Codificação</translation>
    </message>
    <message>
        <source>Delimiter</source>
        <translation>Delimitador</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Date format</source>
        <translation>Formato de data</translation>
    </message>
    <message>
        <source>ambiguous, a guess (check the warnings)</source>
        <translation>ambígua, uma suposição (veja os avisos)</translation>
    </message>
    <message>
        <source>Day/month order</source>
        <translation>Ordem dia/mês</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Fuso horário</translation>
    </message>
    <message>
        <source>comma (,)</source>
        <translation>vírgula (,)</translation>
    </message>
    <message>
        <source>semicolon (;)</source>
        <translation>ponto e vírgula (;)</translation>
    </message>
    <message>
        <source>tab</source>
        <translation>tabulação</translation>
    </message>
    <message>
        <source>vertical bar (|)</source>
        <translation>barra vertical (|)</translation>
    </message>
    <message>
        <source>Moodle log report</source>
        <translation>Relatório de logs do Moodle</translation>
    </message>
    <message>
        <source>Site-wide log report</source>
        <translation>Relatório de logs de todo o site</translation>
    </message>
    <message>
        <source>Standard log store (database table)</source>
        <translation>Armazenamento padrão de logs (tabela do banco de dados)</translation>
    </message>
    <message>
        <source>Log report saved as a spreadsheet</source>
        <translation>Relatório de logs salvo como planilha</translation>
    </message>
    <message>
        <source>day before month</source>
        <translation>dia antes do mês</translation>
    </message>
    <message>
        <source>month before day</source>
        <translation>mês antes do dia</translation>
    </message>
    <message>
        <source>Unix time</source>
        <translation>tempo Unix</translation>
    </message>
    <message>
        <source>UTF-8</source>
        <translation>UTF-8</translation>
    </message>
    <message>
        <source>UTF-8 with BOM</source>
        <translation>UTF-8 com BOM</translation>
    </message>
    <message>
        <source>UTF-16</source>
        <translation>UTF-16</translation>
    </message>
    <message>
        <source>Windows Western (cp1252)</source>
        <translation>Windows ocidental (cp1252)</translation>
    </message>
    <message>
        <source>Latin-1 (ISO 8859-1)</source>
        <translation>Latin-1 (ISO 8859-1)</translation>
    </message>
    <message>
        <source>ASCII</source>
        <translation>ASCII</translation>
    </message>
    <message>
        <source>likely</source>
        <translation>provável</translation>
    </message>
    <message>
        <source>a guess</source>
        <translation>uma suposição</translation>
    </message>
    <message>
        <source>certain</source>
        <translation>certa</translation>
    </message>
    <message>
        <source>English</source>
        <translation>inglês</translation>
    </message>
    <message>
        <source>Portuguese (Brazil)</source>
        <translation>português (Brasil)</translation>
    </message>
    <message>
        <source>Portuguese (Portugal)</source>
        <translation>português (Portugal)</translation>
    </message>
    <message>
        <source>Spanish</source>
        <translation>espanhol</translation>
    </message>
    <message>
        <source>French</source>
        <translation>francês</translation>
    </message>
    <message>
        <source>German</source>
        <translation>alemão</translation>
    </message>
    <message>
        <source>Italian</source>
        <translation>italiano</translation>
    </message>
    <message>
        <source>(%1 sure)</source>
        <translation>(%1 de certeza)</translation>
    </message>
    <message>
        <source>local time of the person who downloaded the log (no offset)</source>
        <translation>hora local de quem baixou o log (sem fuso indicado)</translation>
    </message>
    <message>
        <source>Unix time (seconds since 1970)</source>
        <translation>tempo Unix (segundos desde 1970)</translation>
    </message>
    <message>
        <source>day/month/year</source>
        <translation>dia/mês/ano</translation>
    </message>
    <message>
        <source>month/day/year</source>
        <translation>mês/dia/ano</translation>
    </message>
    <message>
        <source>year/month/day</source>
        <translation>ano/mês/dia</translation>
    </message>
    <message>
        <source>day/month</source>
        <translation>dia/mês</translation>
    </message>
    <message>
        <source>month/day</source>
        <translation>mês/dia</translation>
    </message>
    <message>
        <source>month/year</source>
        <translation>mês/ano</translation>
    </message>
    <message>
        <source>year/day/month</source>
        <translation>ano/dia/mês</translation>
    </message>
    <message>
        <source>2-digit year</source>
        <translation>ano com 2 dígitos</translation>
    </message>
    <message>
        <source>month as a name</source>
        <translation>mês por extenso</translation>
    </message>
    <message>
        <source>with the weekday</source>
        <translation>com o dia da semana</translation>
    </message>
    <message>
        <source>12-hour time (AM/PM)</source>
        <translation>hora de 12 horas (AM/PM)</translation>
    </message>
    <message>
        <source>24-hour time</source>
        <translation>hora de 24 horas</translation>
    </message>
    <message>
        <source>with seconds</source>
        <translation>com segundos</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <source>Add files…</source>
        <translation>Adicionar arquivos…</translation>
    </message>
    <message>
        <source>Drop more Moodle log files anywhere in this window.</source>
        <translation>Solte mais arquivos de log do Moodle em qualquer lugar desta janela.</translation>
    </message>
    <message>
        <source>Export the log from Moodle (Reports › Logs › Download). Each file becomes a job; when it is done you choose where to save the enriched ZIP (CSV and XES, every event classified by Bloom's taxonomy). Folders work too.</source>
        <translation>Exporte o log do Moodle (Relatórios › Logs › Baixar). Cada arquivo vira uma tarefa; quando ela termina, você escolhe onde salvar o ZIP enriquecido (CSV e XES, cada evento classificado pela taxonomia de Bloom). Pastas também funcionam.</translation>
    </message>
    <message>
        <source>Drop Moodle log files here (%1), or choose files…</source>
        <translation>Solte aqui os arquivos de log do Moodle (%1) ou escolha arquivos…</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>Starting…</source>
        <translation>Iniciando…</translation>
    </message>
    <message>
        <source>Copying the file…</source>
        <translation>Copiando o arquivo…</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>Lendo…</translation>
    </message>
    <message>
        <source>Detecting format…</source>
        <translation>Detectando o formato…</translation>
    </message>
    <message>
        <source>Normalising…</source>
        <translation>Normalizando…</translation>
    </message>
    <message>
        <source>Cleaning…</source>
        <translation>Limpando…</translation>
    </message>
    <message>
        <source>Classifying…</source>
        <translation>Classificando…</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Exportando…</translation>
    </message>
    <message>
        <source>Packaging…</source>
        <translation>Empacotando…</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Na fila</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Em execução</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Concluída</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Falhou</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelada</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>tempo esgotado</translation>
    </message>
    <message>
        <source>worker crashed</source>
        <translation>o processo falhou</translation>
    </message>
    <message>
        <source>not a usable log</source>
        <translation>log inutilizável</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>interrompida</translation>
    </message>
    <message>
        <source>internal error</source>
        <translation>erro interno</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelada</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>soon</source>
        <translation>em breve</translation>
    </message>
    <message>
        <source>in %1 min</source>
        <translation>em %1 min</translation>
    </message>
    <message>
        <source>in %1 h</source>
        <translation>em %1 h</translation>
    </message>
    <message>
        <source>in %1 days</source>
        <translation>em %1 dias</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>tentativa %1</translation>
    </message>
    <message>
        <source>d MMM</source>
        <translation>d 'de' MMM</translation>
    </message>
</context>
<context>
    <name>JobActions</name>
    <message>
        <source>&amp;Add files…</source>
        <translation>&amp;Adicionar arquivos…</translation>
    </message>
    <message>
        <source>Add Moodle log files (Ctrl+O)</source>
        <translation>Adicionar arquivos de log do Moodle (Ctrl+O)</translation>
    </message>
    <message>
        <source>&amp;Save result…</source>
        <translation>&amp;Salvar resultado…</translation>
    </message>
    <message>
        <source>&amp;Cancel job</source>
        <translation>&amp;Cancelar tarefa</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>&amp;Repetir</translation>
    </message>
    <message>
        <source>Run the same file again as a new job</source>
        <translation>Processar o mesmo arquivo de novo, como uma nova tarefa</translation>
    </message>
    <message>
        <source>Re&amp;move from history</source>
        <translation>Re&amp;mover do histórico</translation>
    </message>
    <message>
        <source>Show &amp;log</source>
        <translation>Ver re&amp;gistro</translation>
    </message>
    <message>
        <source>&amp;Details</source>
        <translation>&amp;Detalhes</translation>
    </message>
    <message>
        <source>Show or hide the details pane</source>
        <translation>Mostrar ou ocultar o painel de detalhes</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>C&amp;onfigurações…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Sa&amp;ir</translation>
    </message>
    <message>
        <source>Ask where to save each result when it is ready</source>
        <translation>Perguntar onde salvar cada resultado quando ficar pronto</translation>
    </message>
    <message>
        <source>&amp;About MoodleLogSmart</source>
        <translation>&amp;Sobre o MoodleLogSmart</translation>
    </message>
    <message>
        <source>Save the enriched ZIP of the selected job, or several into a folder (Ctrl+S)</source>
        <translation>Salvar o ZIP enriquecido da tarefa selecionada, ou de várias em uma pasta (Ctrl+S)</translation>
    </message>
</context>
<context>
    <name>JobStatusBar</name>
    <message>
        <source>Job folder: measuring…</source>
        <translation>Pasta de tarefas: medindo…</translation>
    </message>
    <message>
        <source>No jobs running</source>
        <translation>Nenhuma tarefa em execução</translation>
    </message>
    <message>
        <source>%1 running, %2 queued</source>
        <translation>%1 em execução, %2 na fila</translation>
    </message>
    <message>
        <source>Job folder: unknown size</source>
        <translation>Pasta de tarefas: tamanho desconhecido</translation>
    </message>
    <message>
        <source>Job folder: %1</source>
        <translation>Pasta de tarefas: %1</translation>
    </message>
    <message>
        <source>Next clean-up at %1</source>
        <translation>Próxima limpeza às %1</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>File</source>
        <translation>Arquivo</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Situação</translation>
    </message>
    <message>
        <source>Events in</source>
        <translation>Eventos</translation>
    </message>
    <message>
        <source>Kept</source>
        <translation>Mantidos</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Início</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Duração</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>expirado</translation>
    </message>
    <message>
        <source>The result was deleted; run the file again to get it back.</source>
        <translation>O resultado foi apagado; processe o arquivo novamente para obtê-lo.</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Apagado</translation>
    </message>
    <message>
        <source>log %1</source>
        <translation>registro %1</translation>
    </message>
    <message>
        <source>Attempt %1: a retry</source>
        <translation>Tentativa %1: nova execução</translation>
    </message>
    <message>
        <source> of the run added at %1.</source>
        <translation> da execução adicionada às %1.</translation>
    </message>
</context>
<context>
    <name>LogFiles</name>
    <message>
        <source>Moodle logs</source>
        <translation>Logs do Moodle</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>Todos os arquivos</translation>
    </message>
    <message>
        <source>no extension</source>
        <translation>sem extensão</translation>
    </message>
    <message>
        <source>not a log file type (%1)</source>
        <translation>não é um tipo de arquivo de log (%1)</translation>
    </message>
    <message>
        <source>cannot be found or opened</source>
        <translation>não foi encontrado ou não pode ser aberto</translation>
    </message>
    <message>
        <source>not a regular file</source>
        <translation>não é um arquivo comum</translation>
    </message>
    <message>
        <source>the file is empty</source>
        <translation>o arquivo está vazio</translation>
    </message>
    <message>
        <source>cannot be read (no permission?)</source>
        <translation>não pode ser lido (sem permissão?)</translation>
    </message>
    <message>
        <source>the folder holds no log files</source>
        <translation>a pasta não contém arquivos de log</translation>
    </message>
</context>
<context>
    <name>LogViewer</name>
    <message>
        <source>Log of %1</source>
        <translation>Registro de %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Carregando…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source>Open in another program</source>
        <translation>Abrir em outro programa</translation>
    </message>
    <message>
        <source>The log could not be read (it may have been cleaned up already).</source>
        <translation>Não foi possível ler o registro (talvez já tenha sido apagado na limpeza).</translation>
    </message>
    <message>
        <source>The log is empty: the job wrote nothing to it.</source>
        <translation>O registro está vazio: a tarefa não escreveu nada nele.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>%1 is ready to save</source>
        <translation>%1 está pronto para salvar</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 falhou</translation>
    </message>
    <message>
        <source>%1 was cancelled</source>
        <translation>%1 foi cancelado</translation>
    </message>
    <message>
        <source>Choose Moodle log files</source>
        <translation>Escolha arquivos de log do Moodle</translation>
    </message>
    <message>
        <source>… and %1 more.</source>
        <translation>… e mais %1.</translation>
    </message>
    <message>
        <source>Not added (%1):</source>
        <translation>Não adicionados (%1):</translation>
    </message>
    <message>
        <source>Nothing was added.</source>
        <translation>Nada foi adicionado.</translation>
    </message>
    <message>
        <source>Settings saved and applied.</source>
        <translation>Configurações salvas e aplicadas.</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>Salvo em %1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Arquivo</translation>
    </message>
    <message>
        <source>&amp;Job</source>
        <translation>&amp;Tarefa</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Exibir</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>A&amp;juda</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Tarefas</translation>
    </message>
    <message>
        <source>Jobs are still running</source>
        <translation>Há tarefas em execução</translation>
    </message>
    <message>
        <source>Queued files stay in the queue and start the next time.</source>
        <translation>Os arquivos na fila continuam na fila e começam na próxima vez.</translation>
    </message>
    <message>
        <source>Cancel %1 running jobs and quit</source>
        <translation>Cancelar %1 tarefas em execução e sair</translation>
    </message>
    <message>
        <source>Keep the window open</source>
        <translation>Manter a janela aberta</translation>
    </message>
    <message>
        <source>About MoodleLogSmart</source>
        <translation>Sobre o MoodleLogSmart</translation>
    </message>
    <message>
        <source>&lt;b&gt;MoodleLogSmart %1&lt;/b&gt;&lt;p&gt;Turns Moodle log exports into enriched event logs (CSV and XES), every event classified by Bloom's taxonomy.&lt;/p&gt;</source>
        <translation>&lt;b&gt;MoodleLogSmart %1&lt;/b&gt;&lt;p&gt;Transforma logs exportados do Moodle em logs de eventos enriquecidos (CSV e XES), com cada evento classificado pela taxonomia de Bloom.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>Verificando %1…</translation>
    </message>
    <message>
        <source>1 job is still running. Quitting now cancels it.</source>
        <translation>1 tarefa ainda está em execução. Sair agora a cancela.</translation>
    </message>
    <message>
        <source>%1 jobs are still running. Quitting now cancels them.</source>
        <translation>%1 tarefas ainda estão em execução. Sair agora as cancela.</translation>
    </message>
    <message>
        <source>Cancel the running job and quit</source>
        <translation>Cancelar a tarefa em execução e sair</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation>
            <numerusform>%n item</numerusform>
            <numerusform>%n itens</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) queued.</source>
        <translation>
            <numerusform>%n arquivo na fila.</numerusform>
            <numerusform>%n arquivos na fila.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) removed from the history.</source>
        <translation>
            <numerusform>%n tarefa removida do histórico.</numerusform>
            <numerusform>%n tarefas removidas do histórico.</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove from the history</source>
        <translation>Remover do histórico</translation>
    </message>
    <message>
        <source>Remove %1 and delete its result?</source>
        <translation>Remover %1 e apagar o resultado?</translation>
    </message>
    <message>
        <source>Remove %1 and delete its result, which is kept until %2?</source>
        <translation>Remover %1 e apagar o resultado, que fica guardado até %2?</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n jobs from the history and delete the results kept?</source>
        <translation>
            <numerusform>Remover %n tarefa do histórico e apagar o resultado guardado?</numerusform>
            <numerusform>Remover %n tarefas do histórico e apagar os resultados guardados?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of them still has a result that has not expired.</source>
        <translation>
            <numerusform>%n delas ainda tem um resultado que não expirou.</numerusform>
            <numerusform>%n delas ainda têm um resultado que não expirou.</numerusform>
        </translation>
    </message>
    <message>
        <source>Save the result first if you still need it.</source>
        <translation>Salve o resultado antes, se ainda precisar dele.</translation>
    </message>
    <message>
        <source>Remove and delete the result</source>
        <translation>Remover e apagar o resultado</translation>
    </message>
    <message>
        <source>Remove and delete the results</source>
        <translation>Remover e apagar os resultados</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>Manter</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) processed</source>
        <translation>
            <numerusform>%n arquivo processado</numerusform>
            <numerusform>%n arquivos processados</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 completed, %2 failed or cancelled.</source>
        <translation>%1 concluídos, %2 com falha ou cancelados.</translation>
    </message>
</context>
<context>
    <name>MapCanvas</name>
    <message>
        <source>%1 events</source>
        <translation>%1 eventos</translation>
    </message>
</context>
<context>
    <name>NoticeBar</name>
    <message>
        <source>Dismiss</source>
        <translation>Fechar aviso</translation>
    </message>
</context>
<context>
    <name>OutputChoice</name>
    <message>
        <source>Always written: it says what was found.</source>
        <translation>Sempre gravado: diz o que foi encontrado.</translation>
    </message>
</context>
<context>
    <name>ProcessMapView</name>
    <message>
        <source>Show paths above %1%</source>
        <translation>Mostrar caminhos acima de %1%</translation>
    </message>
    <message>
        <source>Show paths above this share of the most frequent</source>
        <translation>Mostrar caminhos acima desta parcela do mais frequente</translation>
    </message>
    <message>
        <source>No paths: no case has two events in a row.</source>
        <translation>Nenhum caminho: nenhum caso tem dois eventos seguidos.</translation>
    </message>
    <message>
        <source>%1 of %2 paths shown.</source>
        <translation>%1 de %2 caminhos mostrados.</translation>
    </message>
    <message>
        <source>a path and how often it was taken (thicker: more often)</source>
        <translation>um caminho e quantas vezes foi percorrido (mais grosso: mais vezes)</translation>
    </message>
    <message>
        <source>a path back to an earlier activity or to the same one</source>
        <translation>um caminho de volta a uma atividade anterior ou à mesma</translation>
    </message>
    <message>
        <source>an activity with no path above the threshold</source>
        <translation>uma atividade sem caminho acima do limite</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>&amp;Procurar em:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>Arquivos do &amp;tipo:</translation>
    </message>
</context>
<context>
    <name>ResultSaver</name>
    <message>
        <source>Result no longer available</source>
        <translation>Resultado não está mais disponível</translation>
    </message>
    <message>
        <source>The result was deleted after %1 h, as set in Settings; run the file again.</source>
        <translation>O resultado foi apagado após %1 h, conforme as Configurações; processe o arquivo novamente.</translation>
    </message>
    <message>
        <source>Save the enriched log of %1</source>
        <translation>Salvar o log enriquecido de %1</translation>
    </message>
    <message>
        <source>ZIP archive (*.zip)</source>
        <translation>Arquivo ZIP (*.zip)</translation>
    </message>
    <message>
        <source>The result could not be saved: %1</source>
        <translation>Não foi possível salvar o resultado: %1</translation>
    </message>
    <message>
        <source>Could not save the result</source>
        <translation>Não foi possível salvar o resultado</translation>
    </message>
    <message numerus="yes">
        <source>Choose a folder for the results of these %n file(s)</source>
        <translation>
            <numerusform>Escolha uma pasta para o resultado deste %n arquivo</numerusform>
            <numerusform>Escolha uma pasta para os resultados destes %n arquivos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Choose a folder for the %n selected result(s)</source>
        <translation>
            <numerusform>Escolha uma pasta para o %n resultado selecionado</numerusform>
            <numerusform>Escolha uma pasta para os %n resultados selecionados</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingField</name>
    <message>
        <source>Choose…</source>
        <translation>Escolher…</translation>
    </message>
    <message>
        <source>Allowed: %1 to %2 %3.</source>
        <translation>Permitido: de %1 a %2 %3.</translation>
    </message>
    <message>
        <source>Set by your administrator (%1)</source>
        <translation>Definido pelo administrador (%1)</translation>
    </message>
    <message>
        <source>Built-in rules</source>
        <translation>Regras embutidas</translation>
    </message>
    <message>
        <source>Choose a rules file</source>
        <translation>Escolha um arquivo de regras</translation>
    </message>
    <message>
        <source>TOML rules (*.toml);;All files (*)</source>
        <translation>Regras TOML (*.toml);;Todos os arquivos (*)</translation>
    </message>
</context>
<context>
    <name>SettingSpec</name>
    <message>
        <source>Keep completed results</source>
        <translation>Guardar resultados concluídos</translation>
    </message>
    <message>
        <source>How long a finished job's result stays in the app's folder before it is deleted. Save the ZIP somewhere of your own to keep it longer.</source>
        <translation>Por quanto tempo o resultado de uma tarefa concluída fica na pasta do aplicativo antes de ser apagado. Salve o ZIP em uma pasta sua para guardá-lo por mais tempo.</translation>
    </message>
    <message>
        <source>Keep failed or cancelled jobs</source>
        <translation>Guardar tarefas com falha ou canceladas</translation>
    </message>
    <message>
        <source>How long the files of a failed or cancelled job are kept for a look at its log.</source>
        <translation>Por quanto tempo os arquivos de uma tarefa com falha ou cancelada são guardados, para consultar o registro.</translation>
    </message>
    <message>
        <source>Job time limit</source>
        <translation>Tempo máximo por tarefa</translation>
    </message>
    <message>
        <source>A job still running after this long is stopped and marked failed.</source>
        <translation>Uma tarefa que ainda estiver em execução após esse tempo é interrompida e marcada como falha.</translation>
    </message>
    <message>
        <source>Stop a silent job after</source>
        <translation>Parar uma tarefa silenciosa após</translation>
    </message>
    <message>
        <source>A job whose worker reports no progress for this long is stopped as stuck.</source>
        <translation>Uma tarefa que não informa progresso por esse tempo é interrompida como travada.</translation>
    </message>
    <message>
        <source>Clean up every</source>
        <translation>Fazer limpeza a cada</translation>
    </message>
    <message>
        <source>How often the app deletes expired results and repairs stuck jobs. It also cleans up once at start-up.</source>
        <translation>Com que frequência o aplicativo apaga resultados expirados e corrige tarefas travadas. Ele também faz uma limpeza ao iniciar.</translation>
    </message>
    <message>
        <source>Jobs at the same time</source>
        <translation>Tarefas ao mesmo tempo</translation>
    </message>
    <message>
        <source>How many files are processed at once. Each job uses one processor core.</source>
        <translation>Quantos arquivos são processados ao mesmo tempo. Cada tarefa usa um núcleo do processador.</translation>
    </message>
    <message>
        <source>Pseudonymise names by default</source>
        <translation>Pseudonimizar nomes por padrão</translation>
    </message>
    <message>
        <source>Replace people's names with stable pseudonyms and drop IP addresses in results.</source>
        <translation>Substitui os nomes das pessoas por pseudônimos estáveis e remove os endereços IP dos resultados.</translation>
    </message>
    <message>
        <source>Custom Bloom rules file</source>
        <translation>Arquivo de regras de Bloom próprio</translation>
    </message>
    <message>
        <source>A TOML rules file of your own; leave empty to use the built-in rules.</source>
        <translation>Um arquivo de regras TOML seu; deixe vazio para usar as regras embutidas.</translation>
    </message>
    <message>
        <source>hours</source>
        <translation>horas</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>minutos</translation>
    </message>
    <message>
        <source>jobs</source>
        <translation>tarefas</translation>
    </message>
    <message>
        <source>Classification</source>
        <translation>Classificação</translation>
    </message>
    <message>
        <source>MoodleLogSmart (descriptive)</source>
        <translation>MoodleLogSmart (descritiva)</translation>
    </message>
    <message>
        <source>Moodle2EventLog (categories)</source>
        <translation>Moodle2EventLog (categorias)</translation>
    </message>
    <message>
        <source>Activity names: descriptive, or Moodle2EventLog's categories (Study_P, Collab_A, …) as the published tools; the same Bloom levels. A custom file wins.</source>
        <translation>Nomes das atividades: descritivos, ou as categorias do Moodle2EventLog (Study_P, Collab_A, …) como nas ferramentas publicadas; os mesmos níveis de Bloom. Um arquivo próprio tem prioridade.</translation>
    </message>
    <message>
        <source>Session gap</source>
        <translation>Intervalo entre sessões</translation>
    </message>
    <message>
        <source>A student's activity is split into sessions where they were inactive for longer than this (session_id in the results, sessions in students.csv).</source>
        <translation>A atividade de um estudante é dividida em sessões onde ele ficou inativo por mais tempo que isto (session_id nos resultados, sessions em students.csv).</translation>
    </message>
    <message>
        <source>Files in the result</source>
        <translation>Arquivos no resultado</translation>
    </message>
    <message>
        <source>Which files the result ZIP holds (summary.json always). Leave every one ticked unless you know you need only some.</source>
        <translation>Quais arquivos o ZIP de resultado contém (summary.json sempre). Deixe todos marcados, a menos que saiba que precisa só de alguns.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Configurações</translation>
    </message>
    <message>
        <source>Jobs and results</source>
        <translation>Tarefas e resultados</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Salvar</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>Pasta de dados</translation>
    </message>
    <message>
        <source>Measuring…</source>
        <translation>Medindo…</translation>
    </message>
    <message>
        <source>Purge now</source>
        <translation>Limpar agora</translation>
    </message>
    <message>
        <source>Delete every result and job file that is past its keeping time.</source>
        <translation>Apaga todos os resultados e arquivos de tarefas cujo prazo de guarda já passou.</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Abrir pasta</translation>
    </message>
    <message>
        <source>The settings apply now but could not be saved for next time: %1</source>
        <translation>As configurações valem agora, mas não puderam ser salvas para a próxima vez: %1</translation>
    </message>
    <message>
        <source>Cleaning up…</source>
        <translation>Limpando…</translation>
    </message>
    <message>
        <source>Could not measure the folder.</source>
        <translation>Não foi possível medir a pasta.</translation>
    </message>
    <message>
        <source>It holds %1.</source>
        <translation>Ela ocupa %1.</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) purged, %1 freed.</source>
        <translation>
            <numerusform>%n tarefa limpa, %1 liberados.</numerusform>
            <numerusform>%n tarefas limpas, %1 liberados.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) could not be deleted (see the app log).</source>
        <translation>
            <numerusform>%n item não pôde ser apagado (veja o registro do aplicativo).</numerusform>
            <numerusform>%n itens não puderam ser apagados (veja o registro do aplicativo).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing has expired yet; finished results are kept for %n hour(s). Use Remove from history to delete one now.</source>
        <translation>
            <numerusform>Nada expirou ainda; os resultados prontos são guardados por %n hora. Use Remover do histórico para apagar um agora.</numerusform>
            <numerusform>Nada expirou ainda; os resultados prontos são guardados por %n horas. Use Remover do histórico para apagar um agora.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing has expired yet; finished results are kept for %n minute(s). Use Remove from history to delete one now.</source>
        <translation>
            <numerusform>Nada expirou ainda; os resultados prontos são guardados por %n minuto. Use Remover do histórico para apagar um agora.</numerusform>
            <numerusform>Nada expirou ainda; os resultados prontos são guardados por %n minutos. Use Remover do histórico para apagar um agora.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Warnings</name>
    <message>
        <source>Times are the local time of whoever downloaded the log (the file has no time zone); the outputs write them without an offset.</source>
        <translation>Os horários são a hora local de quem baixou o log (o arquivo não indica fuso horário); as saídas os gravam sem fuso.</translation>
    </message>
    <message>
        <source>No pseudonym key was given: pseudonyms hold for this file only.</source>
        <translation>Nenhuma chave de pseudônimos foi informada: os pseudônimos valem apenas para este arquivo.</translation>
    </message>
    <message>
        <source>The Time column mixes day-first and month-first dates: day first was kept, as it reads more rows.</source>
        <translation>A coluna Hora mistura datas com o dia primeiro e com o mês primeiro: ficou o dia primeiro, que lê mais linhas.</translation>
    </message>
    <message>
        <source>The Time column mixes day-first and month-first dates: month first was kept, as it reads more rows.</source>
        <translation>A coluna Hora mistura datas com o dia primeiro e com o mês primeiro: ficou o mês primeiro, que lê mais linhas.</translation>
    </message>
    <message>
        <source>The times carry no year (Moodle 2.7/2.8 format): %1 was assumed, from the file name.</source>
        <translation>Os horários não têm ano (formato do Moodle 2.7/2.8): foi assumido %1, a partir do nome do arquivo.</translation>
    </message>
    <message>
        <source>The times carry no year (Moodle 2.7/2.8 format): %1 was assumed, from the current year.</source>
        <translation>Os horários não têm ano (formato do Moodle 2.7/2.8): foi assumido %1, o ano atual.</translation>
    </message>
    <message>
        <source>The date order was ambiguous (no day or month above 12): day first was chosen, as in Moodle's default (%1).</source>
        <translation>A ordem das datas era ambígua (nenhum dia ou mês acima de 12): foi escolhido o dia primeiro, como no padrão do Moodle (%1).</translation>
    </message>
    <message>
        <source>The file is UTF-8 with damaged bytes: %1 invalid UTF-8 byte sequences were replaced.</source>
        <translation>O arquivo é UTF-8 com bytes danificados: %1 sequências de bytes UTF-8 inválidas foram substituídas.</translation>
    </message>
    <message>
        <source>The text encoding was uncertain; %1 was used.</source>
        <translation>A codificação do texto era incerta; foi usada %1.</translation>
    </message>
</context>
</TS>
