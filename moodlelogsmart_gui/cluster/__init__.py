"""The same pipeline on a Dask cluster, for site-wide, multi-year logs.

``moodlelogsmart process INPUT... --cluster local:N|tcp://host:port --out DIR``: each
partition (an input file) runs through the single-machine stages on a worker
(``partition``), one XES per course is written from the Parquet events (``courses``), and
``run`` ties the rounds together, with the time limit and cancellation. Needs the optional
extra ``moodlelogsmart-gui[cluster]`` (dask[distributed]); nothing here is imported by the
app or the single-machine pipeline.
"""
