"""Names, files and declared types of the NYC flights 2013 tables. Plain Python, so
pages can use them cheaply."""

# Each table, the file it is shipped in (data/raw/flights/), and its key.
FILES = {
    "flights": "flights.csv.zip",
    "weather": "weather.csv",
    "planes": "planes.csv",
    "airports": "airports.csv",
    "airlines": "airlines.csv",
}
FLIGHTS_CSV = "flights.csv"  # the one file inside flights.csv.zip
KEYS = {
    "flights": ["flight_id"],  # no natural key: the row's number in the file
    "weather": ["origin", "time_hour"],
    "planes": ["tailnum"],
    "airports": ["faa"],
    "airlines": ["carrier"],
}

# Columns tagged sensitive, each with the name of the column that replaces it. A tail
# number leads, through the public aircraft registry, to an aircraft's owner, often a
# person: the ETL replaces it by its keyed-hash pseudonym (dsops.shared.pseudonyms) in
# every table before anything is written, and `uv run dsops check-sensitive` fails if a
# tagged column's name or any of its raw values reaches the processed data, the models
# or the site.
SENSITIVE = {"tailnum": "aircraft"}

# Tables whose rows get their number in the file as a column: a key where there is no
# natural one, and the file's order wherever "the first" row is meant.
ROW_IDS = {"flights": "flight_id", "weather": "weather_id"}

# The types each column is read as: nullable integers where the file has `NA`s,
# text as pandas' string type. Times of day are hhmm integers (517 is 05:17).
DTYPES = {
    "flights": {
        "year": "int64",
        "month": "int64",
        "day": "int64",
        "dep_time": "Int64",
        "sched_dep_time": "Int64",
        "dep_delay": "Int64",
        "arr_time": "Int64",
        "sched_arr_time": "Int64",
        "arr_delay": "Int64",
        "carrier": "str",
        "flight": "int64",
        "tailnum": "str",
        "origin": "str",
        "dest": "str",
        "air_time": "Int64",
        "distance": "int64",
        "hour": "int64",
        "minute": "int64",
        "time_hour": "str",
    },
    "weather": {
        "origin": "str",
        "year": "int64",
        "month": "int64",
        "day": "int64",
        "hour": "int64",
        "temp": "float64",
        "dewp": "float64",
        "humid": "float64",
        "wind_dir": "float64",
        "wind_speed": "float64",
        "wind_gust": "float64",
        "precip": "float64",
        "pressure": "float64",
        "visib": "float64",
        "time_hour": "str",
    },
    "planes": {
        "tailnum": "str",
        "year": "Int64",
        "type": "str",
        "manufacturer": "str",
        "model": "str",
        "engines": "int64",
        "seats": "int64",
        "speed": "Int64",
        "engine": "str",
    },
    "airports": {
        "faa": "str",
        "name": "str",
        "lat": "float64",
        "lon": "float64",
        "alt": "int64",
        "tz": "float64",
        "dst": "str",
        "tzone": "str",
    },
    "airlines": {"carrier": "str", "name": "str"},
}
CLOCK_COLUMNS = ["dep_time", "sched_dep_time", "arr_time", "sched_arr_time"]
ORIGINS = ["EWR", "JFK", "LGA"]  # New York City's three airports, the weather's stations
LOCAL_TIME_ZONE = "America/New_York"
# time_hour is written as text in UTC (2013-01-01T10:00:00Z) in both flights and weather;
# the strptime format, and the DuckDB expression that reads it as a TIMESTAMPTZ (in the
# session's time zone: every connection that uses it sets TimeZone to UTC first).
UTC_HOUR_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
UTC_HOUR_SQL = f"strptime(time_hour, '{UTC_HOUR_FORMAT}')::TIMESTAMPTZ"
# Weather and aircraft columns the enriched flights table carries.
WEATHER_COLUMNS = ["temp", "wind_speed", "precip", "visib"]
PLANE_COLUMNS = {"year": "plane_year", "manufacturer": "manufacturer", "seats": "seats"}
