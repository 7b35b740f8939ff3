"""China grid tariffs, grid charges, holidays and carbon accounting, as data with sources.

Modules
-------
calendars
    Time-of-use calendars → hourly period labels and import prices.
holidays
    Statutory holiday periods (Spring Festival, Labour Day, National Day).
charges
    Grid charge schemes (capacity T&D fee, two-part basic or demand charge) and monthly bills.
emissions
    Grid and fuel emission factors, tce conversions, zero-carbon park thresholds.
accounting
    The park's carbon account: emissions, energy use in tce, baseline and avoided emissions.

Every number comes from ``dispatch/tariffs/data`` with its source; see ``docs/tariffs.md``.
"""
