"""The bulk-payment pages: ``batches`` (template, upload, import, save, rename, delete, detail),
``pay`` (paying a batch's rows) and ``summary`` (an order's summary as PDF or XLSX)."""
