use genserver::prelude::*;

struct Numbers;

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        vec![0; demand]
    }
}

struct Printer;

#[genserver]
impl Printer {
    #[consume]
    fn lines(&mut self, lines: Vec<String>) {
        for line in lines {
            println!("{line}");
        }
    }
}

async fn wire(numbers: NumbersRef, printer: PrinterRef) {
    printer
        .subscribe_to(&numbers, Demand::default())
        .await
        .unwrap();
}

fn main() {
    let _ = wire;
}
